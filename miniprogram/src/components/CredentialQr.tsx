import Taro, { useDidHide, useDidShow } from '@tarojs/taro'
import { Image, Text, View } from '@tarojs/components'
import { useEffect, useRef, useState } from 'react'
import { ApiError, getCredential, type CredentialCode, type CredentialKind } from '../api'
import { useT } from '../i18n'
import './CredentialQr.css'

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** UTF-8 then base64, without btoa/TextEncoder (the mini-program has neither everywhere). */
export function base64Utf8(text: string): string {
  const bytes: number[] = []
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0
    if (c < 0x80) bytes.push(c)
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
  }
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i], bytes[i + 1], bytes[i + 2]]
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0)
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63]
    out += b === undefined ? '=' : B64[(n >> 6) & 63]
    out += c === undefined ? '=' : B64[n & 63]
  }
  return out
}

export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${base64Utf8(svg)}`
}

interface Props {
  kind: CredentialKind
  id: number
  /** a health card's printable static code (needs its PIN set) */
  static?: boolean
  /** data-testid of the panel (default `credential`); parts get `<testId>-image`, `-countdown`, `-token` */
  testId?: string
  /**
   * A refusal the page shows in its own way (`credential_frozen`: the frozen state and an unfreeze
   * button; `credential_pin_not_set`: the PIN form). Return true when handled: nothing is drawn here.
   */
  onRefused?: (err: ApiError) => boolean
  /** where the code comes from when not `/credentials/{kind}/{id}` (a ticket's own route) */
  source?: () => Promise<CredentialCode>
}

interface Shown {
  code: CredentialCode
  /** local epoch ms at which to fetch the next code (null: a static code) */
  refreshAt: number | null
}

/**
 * A QR code the resident shows (health card, appointment pass, e-certificate): the server's SVG as
 * an image, a countdown to the next code (a dynamic code is fetched again when it reaches 0; the
 * timer stops while the page is hidden or gone), and the code's text (data-token, copyable).
 */
export default function CredentialQr({ kind, id, static: isStatic = false, testId = 'credential', onRefused, source }: Props) {
  const t = useT()
  const [shown, setShown] = useState<Shown | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [handled, setHandled] = useState(false)
  const [now, setNow] = useState(Date.now())
  const [visible, setVisible] = useState(true)
  const fetching = useRef(false)
  const alive = useRef(true)

  async function load() {
    if (fetching.current) return
    fetching.current = true
    try {
      const requested = Date.now()
      const code = source ? await source() : await getCredential(kind, id, { static: isStatic })
      if (!alive.current) return
      // the countdown runs on this device's clock: the code's lifetime from the server, counted from now
      const life = code.refresh_at ? Date.parse(code.refresh_at) - Date.parse(code.issued_at) : null
      setShown({ code, refreshAt: life === null ? null : requested + Math.max(5000, life) })
      setError(null)
      setHandled(false)
    } catch (err) {
      if (!alive.current) return
      const e = err instanceof ApiError ? err : new ApiError(0, 'network_error', t('common.networkError'))
      setShown(null)
      setError(e)
      setHandled(onRefused ? onRefused(e) : false)
    } finally {
      fetching.current = false
      setNow(Date.now())
    }
  }

  useEffect(() => {
    alive.current = true
    setShown(null)
    setError(null)
    load()
    return () => {
      alive.current = false
    }
  }, [kind, id, isStatic])

  useDidShow(() => {
    setVisible(true)
    setNow(Date.now())
  })
  useDidHide(() => setVisible(false))

  // one tick a second while a dynamic code is on screen; stopped while hidden, unmounted or refused
  const ticking = visible && !!shown && shown.refreshAt !== null
  useEffect(() => {
    if (!ticking) return undefined
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [ticking])

  const left = shown?.refreshAt ? Math.max(0, Math.ceil((shown.refreshAt - now) / 1000)) : null
  useEffect(() => {
    if (visible && left === 0) load()
  }, [left, visible])

  function copy() {
    if (!shown) return
    Taro.setClipboardData({ data: shown.code.token }).catch(() => undefined)
  }

  if (error && handled) return null
  if (error) {
    return (
      <View className='credential credential--error' data-testid={testId} data-state='error' data-code={error.code}>
        <Text className='body block' data-testid={`${testId}-error`}>{error.message}</Text>
        <View className='btn btn--ghost btn--small credential__retry' data-testid={`${testId}-retry`} onClick={load}>
          {t('common.retry')}
        </View>
      </View>
    )
  }
  if (!shown) {
    return (
      <View className='credential' data-testid={testId} data-state='loading'>
        <View className='credential__qr credential__qr--empty' />
        <Text className='caption muted block'>{t('common.loading')}</Text>
      </View>
    )
  }
  const { code } = shown
  return (
    <View
      className='credential'
      data-testid={testId}
      data-state='shown'
      data-kind={code.kind}
      data-static={code.static ? 'true' : 'false'}
      data-token={code.token}
    >
      <Image className='credential__qr' src={svgDataUri(code.svg)} mode='scaleToFill' data-testid={`${testId}-image`} />
      {left !== null ? (
        <Text className='credential__countdown block' data-testid={`${testId}-countdown`} data-seconds={left}>
          {t('qr.refreshIn', { n: left })}
        </Text>
      ) : (
        <Text className='caption muted block' data-testid={`${testId}-static`}>{t('qr.staticHint')}</Text>
      )}
      <View className='credential__foot'>
        {left !== null && (
          <Text className='link' data-testid={`${testId}-refresh`} onClick={load}>
            {t('qr.refresh')}
          </Text>
        )}
        <Text className='link' data-testid={`${testId}-copy`} onClick={copy}>
          {t('qr.copy')}
        </Text>
      </View>
      <Text className='credential__token mono block' data-testid={`${testId}-token`} userSelect>
        {code.token}
      </Text>
    </View>
  )
}
