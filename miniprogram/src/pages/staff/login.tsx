import Taro, { useRouter } from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import { showError, staffLogin } from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'

/** Staff login (username + password): a staff session, separate from the resident's. */
export default function StaffLogin() {
  const t = useT()
  const router = useRouter()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit() {
    if (busy) return
    if (!username.trim() || !password) {
      Taro.showToast({ title: t('staff.loginRequired'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      await staffLogin(username.trim(), password)
      const redirect = router.params.redirect ? decodeURIComponent(router.params.redirect) : '/pages/staff/index'
      await Taro.reLaunch({ url: redirect })
    } catch (err) {
      showError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-staff-login' title={t('staff.login')} className='staff'>
      <View className='staff-hero'>
        <Text className='staff-hero__title'>{t('staff.title')}</Text>
        <Text className='staff-hero__hint'>{t('staff.loginHint')}</Text>
      </View>
      <View className='card card--overlap'>
        <Text className='field__label'>{t('staff.username')}</Text>
        <View className='field'>
          <Input
            className='field__input'
            data-testid='staff-username'
            value={username}
            placeholder={t('staff.usernamePlaceholder')}
            maxlength={64}
            onInput={(e) => setUsername(e.detail.value)}
          />
        </View>
        <Text className='field__label'>{t('staff.password')}</Text>
        <View className='field'>
          <Input
            className='field__input'
            data-testid='staff-password'
            password
            value={password}
            placeholder={t('staff.passwordPlaceholder')}
            maxlength={128}
            onInput={(e) => setPassword(e.detail.value)}
            onConfirm={submit}
          />
        </View>
        <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='staff-login-submit' onClick={submit}>
          {t('staff.loginSubmit')}
        </View>
      </View>
    </PageShell>
  )
}
