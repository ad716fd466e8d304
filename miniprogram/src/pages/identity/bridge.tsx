import { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect } from 'react'
import PageShell from '../../components/PageShell'
import { useT } from '../../i18n'
import { readAuthParams } from './params'
import './identity.css'

/**
 * H5 page that the identity provider returns to when verification was started from the mini-program
 * (inside its <web-view>). It hands code/state back to the mini-program's callback page through the
 * WeChat JS-SDK (wx.miniProgram.redirectTo). Needs the backend origin registered as a web-view
 * business domain; not reachable in plain browsers' flows.
 */
const JSSDK = 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js'

interface WxMiniProgram {
  miniProgram?: { redirectTo: (o: { url: string }) => void }
}

export default function IdentityBridge() {
  const t = useT()
  const router = useRouter()

  useEffect(() => {
    if (process.env.TARO_ENV !== 'h5') return
    const { code = '', state = '', error } = readAuthParams(router.params)
    const query = error
      ? `error=${encodeURIComponent(error)}&state=${encodeURIComponent(state)}`
      : `code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`
    const target = `/pages/identity/callback?${query}`
    const go = () => (window as unknown as { wx?: WxMiniProgram }).wx?.miniProgram?.redirectTo({ url: target })
    const script = document.createElement('script')
    script.src = JSSDK
    script.onload = go
    document.head.appendChild(script)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  return (
    <PageShell testId='page-identity-bridge' title={t('profile.realName')}>
      <View className='result card'>
        <View className='result__icon'>
          <Text>…</Text>
        </View>
        <Text className='result__title'>{t('identity.bridge')}</Text>
      </View>
    </PageShell>
  )
}
