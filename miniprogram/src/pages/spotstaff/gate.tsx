import Taro, { useDidHide, useDidShow, useRouter } from '@tarojs/taro'
import { Input, Text, Textarea, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import ChipSelect from '../../components/ChipSelect'
import CrowdLevel from '../../components/CrowdLevel'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireStaff } from '../../components/staffAuth'
import platform from '../../platform'
import {
  admitByDocument,
  ApiError,
  crowdBoard,
  DOCUMENT_KINDS,
  gateEntry,
  gateExit,
  listScannerDevices,
  registerScannerDevice,
  submitScan,
  type DocumentKind,
} from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import '../frontline/scan.css'
import './spotstaff.css'

/** Seconds between two reads of the live count. */
const EVERY = 10

interface Outcome {
  ok: boolean
  /** what the gate checks: the visitor masked, the document, the category (a child's or senior's discount) */
  lines: { k: string; v: string }[]
  message?: string
  code?: string
}

/**
 * A field of a result as text: a string, or a label the scan keeps in every language
 * (`{zh_Hans, zh_Hant, en}`: the scan's row is read later in any language) in the page's.
 */
function text(o: Record<string, unknown>, key: string, locale: string): string {
  const v = o[key]
  if (typeof v === 'string') return v
  if (v && typeof v === 'object') {
    const found = (v as Record<string, unknown>)[locale]
    return typeof found === 'string' ? found : ''
  }
  return ''
}

/**
 * 检票 at a spot's gate (role scanner, scope = the spot's code): a ticket's QR scanned (the camera on
 * weapp, pasted on H5) through the scanning route at this phone's scanner device for the spot (made
 * on first use); an older visitor without a phone admitted by ID number; a visitor counted in or out
 * by hand. Every admission counts the entry; the live inside / limit and the level are shown.
 */
export default function Gate() {
  const t = useT()
  const locale = useLocale()
  const spot = decodeURIComponent(useRouter().params.spot ?? '')
  const self = `/pages/spotstaff/gate?spot=${encodeURIComponent(spot)}`
  const crowd = useLoad(
    async () => (requireStaff(self) ? (await crowdBoard(undefined, { silent: true })).find((c) => c.code === spot) ?? null : new Promise<never>(() => undefined)),
    { when: 'show', deps: [locale] },
  )
  const [token, setToken] = useState('')
  const [docKind, setDocKind] = useState<DocumentKind>('resident_id')
  const [docNumber, setDocNumber] = useState('')
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  const [shown, setShown] = useState(true)
  useDidShow(() => setShown(true))
  useDidHide(() => setShown(false))
  useEffect(() => {
    if (!shown) return undefined
    const timer = setInterval(() => crowd.reload(), EVERY * 1000)
    return () => clearInterval(timer)
  }, [shown])

  /** This phone's scanner at the spot: the account's device there, else one registered now. */
  async function device(): Promise<string> {
    const mine = (await listScannerDevices({ silent: true })).find((d) => d.site === spot)
    if (mine) return mine.code
    return (await registerScannerDevice(spot, t('spotstaff.deviceName'))).code
  }

  async function run(action: () => Promise<Outcome>) {
    if (busy) return
    setBusy(true)
    try {
      setOutcome(await action())
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, 'network_error', t('common.networkError'))
      // outside the ticket's entry window (ticket_not_yet, ticket_entry_passed): the window, China time
      const w = e.details as { opens?: string; closes?: string } | undefined
      const lines = w?.opens && w.closes ? [{ k: t('spotstaff.entryWindow'), v: `${w.opens}–${w.closes}` }] : []
      setOutcome({ ok: false, lines, message: e.message, code: e.code })
    } finally {
      setBusy(false)
      crowd.reload()
    }
  }

  function admitted(shown: Record<string, unknown>): Outcome {
    const at = (key: string) => text(shown, key, locale)
    const kind = labelOf(t, at('document_kind'), at('document_kind_label'), 'tourism.document')
    return {
      ok: true,
      lines: [
        { k: t('tourism.visitor'), v: at('name_masked') },
        { k: t('tourism.document'), v: [kind, at('document_masked')].filter(Boolean).join(' ') },
        { k: t('tourism.category'), v: labelOf(t, at('category'), at('category_label'), 'tourism.category') },
      ].filter((l) => l.v),
    }
  }

  async function scan(raw?: string) {
    const code = (raw ?? token).trim()
    if (!code) {
      Taro.showToast({ title: t('spotstaff.tokenRequired'), icon: 'none' })
      return
    }
    await run(async () => {
      const result = await submitScan({ device: await device(), code })
      setToken('')
      return admitted(result.shown)
    })
  }

  async function camera() {
    try {
      await scan(await platform.scanCode())
    } catch {
      /* the camera was closed */
    }
  }

  async function byDocument() {
    if (!docNumber.trim()) {
      Taro.showToast({ title: t('tourism.companionMissing'), icon: 'none' })
      return
    }
    await run(async () => {
      const found = await admitByDocument(spot, { document_kind: docKind, document_number: docNumber.trim().toUpperCase() })
      setDocNumber('')
      return admitted(found as Record<string, unknown>)
    })
  }

  const count = (entering: boolean) =>
    run(async () => {
      const c = entering ? await gateEntry(spot) : await gateExit(spot)
      return { ok: c.counted, lines: [], message: c.counted ? t(entering ? 'spotstaff.countedIn' : 'spotstaff.countedOut') : t('spotstaff.nobodyInside') }
    })

  return (
    <PageShell testId='page-spotstaff-gate' title={t('spotstaff.gate')}>
      <StaffHero back={self} />
      <LoadState load={crowd} testId='gate-crowd' isEmpty={(c) => c === null} empty={t('spotstaff.notYourSpot')}>
        {(c) =>
          c && (
            <View className='card card--overlap' data-testid='gate-count' data-inside={c.inside} data-limit={c.limit} data-level={c.level}>
              <View className='card__head'>
                <Text className='item-title'>{c.name}</Text>
                <CrowdLevel level={c.level} label={c.level_label} />
              </View>
              <Text className='gate__count block' data-testid='gate-inside'>{`${c.inside} / ${c.limit}`}</Text>
              <Text className='caption muted block center'>{t('tourism.inside')}</Text>
            </View>
          )
        }
      </LoadState>

      {outcome && (
        <View className={`card gate__result ${outcome.ok ? 'gate__result--ok' : 'gate__result--bad'}`} data-testid='gate-result' data-ok={outcome.ok ? 'true' : 'false'} data-code={outcome.code ?? ''}>
          <Text className='gate__verdict block'>{outcome.ok ? t('spotstaff.admitted') : t('spotstaff.refused')}</Text>
          {outcome.message && <Text className='body block' data-testid='gate-message'>{outcome.message}</Text>}
          {outcome.lines.length > 0 && (
            <View className='kv'>
              {outcome.lines.map((l, i) => (
                <KV key={l.k} k={l.k} testId={`gate-line-${i}`}>{l.v}</KV>
              ))}
            </View>
          )}
        </View>
      )}

      <View className='card' data-testid='gate-scan'>
        <Text className='card__title'>{t('spotstaff.scanTicket')}</Text>
        {platform.canScanCode ? (
          <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='gate-camera' onClick={camera}>
            {t('spotstaff.scan')}
          </View>
        ) : (
          <>
            <View className='field field--area'>
              {/* a ticket's code is longer than an Input's default 140 characters */}
              <Textarea className='field__input scan__input' data-testid='gate-token' value={token} maxlength={400} placeholder={t('spotstaff.tokenPlaceholder')} onInput={(e) => setToken(e.detail.value)} />
            </View>
            <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='gate-submit' onClick={() => scan()}>
              {t('spotstaff.check')}
            </View>
          </>
        )}
      </View>

      <View className='card' data-testid='gate-document'>
        <Text className='card__title'>{t('spotstaff.byDocument')}</Text>
        <Text className='caption muted block'>{t('spotstaff.byDocumentHint')}</Text>
        <ChipSelect testIdPrefix='gate-doc-kind' value={docKind} onChange={setDocKind} options={DOCUMENT_KINDS.map((k) => ({ value: k, label: t(`tourism.document.${k}`) }))} />
        <View className='field'>
          <Input className='field__input mono' data-testid='gate-doc-number' value={docNumber} maxlength={24} onInput={(e) => setDocNumber(e.detail.value)} />
        </View>
        <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='gate-doc-submit' onClick={byDocument}>
          {t('spotstaff.admit')}
        </View>
      </View>

      <View className='card'>
        <Text className='card__title'>{t('spotstaff.byHand')}</Text>
        <View className='tour-actions'>
          <View className={`btn btn--ghost gate__half ${busy ? 'btn--busy' : ''}`} data-testid='gate-entry' onClick={() => count(true)}>
            {t('spotstaff.entry')}
          </View>
          <View className={`btn btn--ghost gate__half ${busy ? 'btn--busy' : ''}`} data-testid='gate-exit' onClick={() => count(false)}>
            {t('spotstaff.exit')}
          </View>
        </View>
      </View>
    </PageShell>
  )
}
