import Taro, { useRouter } from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import platform from '../../platform'
import { loginWithCode, updateMe } from '../../api'
import { useT } from '../../i18n'
import { adoptServerPreferences } from '../../store/settings'
import './index.css'

export default function Login() {
  const t = useT()
  const router = useRouter()
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit() {
    if (busy) return
    if (platform.loginNeedsName && !name.trim()) {
      Taro.showToast({ title: t('login.nameRequired'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      const code = await platform.getLoginCode(name)
      const user = await loginWithCode(code)
      adoptServerPreferences(user)
      if (platform.loginNeedsName && !user.nickname) {
        // Sandbox: the typed name stands in for the WeChat nickname the user would set.
        await updateMe({ nickname: name.trim().slice(0, 32) }, { silent: true }).catch(() => undefined)
      }
      const redirect = router.params.redirect ? decodeURIComponent(router.params.redirect) : '/pages/index/index'
      await Taro.reLaunch({ url: redirect })
    } catch {
      // the API client already showed the server's message
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-login' title={t('login.title')} className='login'>
      <View className='login__brand'>
        <View className='login__logo'>
          <Text>掌</Text>
        </View>
        <Text className='login__app'>{t('app.name')}</Text>
        <Text className='login__subtitle'>{t('login.subtitle')}</Text>
      </View>

      {platform.loginNeedsName ? (
        <View className='card login__card'>
          <Text className='card__title'>{t('login.sandboxTitle')}</Text>
          <Text className='caption muted'>{t('login.sandboxHint')}</Text>
          <View className='field'>
            <Input
              className='field__input'
              data-testid='login-name'
              value={name}
              placeholder={t('login.namePlaceholder')}
              maxlength={32}
              onInput={(e) => setName(e.detail.value)}
              onConfirm={submit}
            />
          </View>
          <View
            className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`}
            data-testid='login-submit'
            onClick={submit}
          >
            {t('login.submit')}
          </View>
        </View>
      ) : (
        <View className='login__card'>
          <View
            className={`btn btn--wechat btn--block ${busy ? 'btn--busy' : ''}`}
            data-testid='login-wechat'
            onClick={submit}
          >
            {t('login.wechat')}
          </View>
        </View>
      )}
      <Text className='login__agreement caption muted'>{t('login.agreement')}</Text>
    </PageShell>
  )
}
