import Taro, { useDidShow } from '@tarojs/taro'
import { Button, Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import FamilyList from '../../components/FamilyList'
import Segmented from '../../components/Segmented'
import Toggle from '../../components/Toggle'
import Shortcuts from '../../components/Shortcuts'
import { favourites } from '../../components/favourites'
import { useLoad } from '../../components/LoadState'
import { requireLogin } from '../../components/auth'
import platform from '../../platform'
import {
  bindPhone,
  createIdentitySession,
  fetchMe,
  listFamily,
  logout,
  unreadCount,
  updateMe,
  useUser,
  type FamilyMember,
} from '../../api'
import { useT } from '../../i18n'
import { LOCALES, setCareMode, setLocale, useCareMode, useLocale, type Locale } from '../../store/settings'
import { forgetRecentItems } from '../../store/recent'
import './index.css'

const SELF = '/pages/profile/index'

export default function Profile() {
  const t = useT()
  const user = useUser()
  const locale = useLocale()
  const care = useCareMode()
  const [family, setFamily] = useState<FamilyMember[] | null>(null)
  const [verifying, setVerifying] = useState(false)
  const unread = useLoad(() => unreadCount({ silent: true }), { when: 'show', deps: [user?.id], skip: !user })

  useDidShow(() => {
    if (!requireLogin(SELF)) return
    fetchMe().catch(() => undefined)
    listFamily()
      .then(setFamily)
      .catch(() => setFamily([]))
  })

  async function startVerification() {
    if (verifying) return
    setVerifying(true)
    Taro.showLoading({ title: t('identity.redirecting') })
    try {
      const { authorize_url } = await createIdentitySession(platform.identityReturnUrl())
      platform.openAuthorizeUrl(authorize_url)
    } catch {
      // toast already shown
    } finally {
      Taro.hideLoading()
      setVerifying(false)
    }
  }

  async function changeLocale(next: Locale) {
    setLocale(next)
    try {
      await updateMe({ locale: next })
    } catch {
      /* toast shown; the local choice stays */
    }
  }

  async function changeCare(next: boolean) {
    setCareMode(next)
    try {
      await updateMe({ care_mode: next })
    } catch {
      /* toast shown */
    }
  }

  async function onPhone(detail?: { code?: string; errMsg?: string }) {
    const code = await platform.getPhoneCode(detail)
    if (!code) return
    try {
      await bindPhone(code)
    } catch {
      /* toast shown */
    }
  }

  async function onLogout() {
    const res = await Taro.showModal({
      title: t('profile.logout'),
      content: t('profile.logoutConfirm'),
      cancelText: t('common.cancel'),
      confirmText: t('common.confirm'),
    })
    if (!res.confirm) return
    await logout()
    // what this device remembers of the resident goes with their login
    forgetRecentItems()
    favourites.set(null)
    Taro.reLaunch({ url: '/pages/index/index' })
  }

  const verified = !!user?.real_name_verified

  return (
    <PageShell testId='page-profile' title={t('profile.title')} tab='me'>
      <View className='profile-hero'>
        <View className='avatar'>
          <Text>{(user?.nickname || t('common.citizen')).slice(0, 1)}</Text>
        </View>
        <View className='profile-hero__main'>
          <Text className='profile-hero__name' data-testid='profile-nickname'>
            {user?.nickname || t('common.citizen')}
          </Text>
          <View className='profile-hero__phone'>
            {user?.phone ? (
              <Text data-testid='profile-phone'>{user.phone}</Text>
            ) : platform.phoneUsesOpenType ? (
              <Button
                className='btn-phone'
                openType='getPhoneNumber'
                onGetPhoneNumber={(e) => onPhone(e.detail)}
                data-testid='bind-phone'
              >
                {t('profile.bindPhone')}
              </Button>
            ) : (
              <Text className='link link--light' data-testid='bind-phone' onClick={() => onPhone()}>
                {t('profile.bindPhone')}
              </Text>
            )}
          </View>
        </View>
      </View>

      {/* Real-name verification */}
      <View className='card card--overlap' data-testid='realname-card'>
        <View className='card__head'>
          <Text className='card__title'>{t('profile.realName')}</Text>
          <Text
            className={`chip ${verified ? 'chip--ok' : 'chip--muted'}`}
            data-testid='realname-status'
            data-verified={verified ? 'true' : 'false'}
          >
            {verified ? t('profile.verified') : t('profile.unverified')}
          </Text>
        </View>
        {verified ? (
          <View className='kv'>
            <View className='kv__row'>
              <Text className='kv__key'>{t('profile.name')}</Text>
              <Text className='kv__value' data-testid='profile-name'>{user?.name ?? '—'}</Text>
            </View>
            <View className='kv__row'>
              <Text className='kv__key'>{t('profile.idNumber')}</Text>
              <Text className='kv__value mono' data-testid='profile-id-number'>{user?.id_number ?? '—'}</Text>
            </View>
            <View className='kv__row'>
              <Text className='kv__key'>{t('profile.levelLabel')}</Text>
              <Text className='kv__value' data-testid='profile-level'>{user?.identity_level}</Text>
            </View>
          </View>
        ) : (
          <View>
            <Text className='body muted block'>{t('profile.verifyHint')}</Text>
            <View
              className={`btn btn--primary btn--block ${verifying ? 'btn--busy' : ''}`}
              data-testid='start-realname'
              onClick={startVerification}
            >
              {t('profile.startVerify')}
            </View>
          </View>
        )}
      </View>

      {/* Family */}
      <View className='card' data-testid='family-card'>
        <View className='card__head'>
          <Text className='card__title'>{t('profile.family')}</Text>
          <Text
            className='link'
            data-testid='family-manage'
            onClick={() => Taro.navigateTo({ url: '/pages/family/index' })}
          >
            {t('profile.familyManage')} ›
          </Text>
        </View>
        {family && family.length > 0 ? (
          <FamilyList items={family} />
        ) : (
          <Text className='body muted block'>{family ? t('profile.familyEmpty') : t('common.loading')}</Text>
        )}
        <View
          className='btn btn--ghost btn--block'
          data-testid='family-add'
          onClick={() => Taro.navigateTo({ url: '/pages/family/index?add=1' })}
        >
          + {t('profile.familyAdd')}
        </View>
      </View>

      {/* My services: the card wallet, applications, appointments, messages, certificates, cards, payments, family */}
      <View className='card' data-testid='office-card'>
        <Text className='card__title'>{t('profile.shortcuts')}</Text>
        <Shortcuts testId='profile-shortcuts' itemTestId='link' badges={{ inbox: unread.data ?? 0 }} />
      </View>

      {/* Settings */}
      <View className='card' data-testid='settings-card'>
        <Text className='card__title'>{t('profile.settings')}</Text>
        <View className='setting'>
          <Text className='setting__label'>{t('profile.language')}</Text>
        </View>
        <Segmented
          testIdPrefix='lang'
          value={locale}
          onChange={changeLocale}
          options={LOCALES.map((l) => ({ value: l, label: t(`lang.${l}`) }))}
        />
        <View className='setting setting--row'>
          <View className='setting__text'>
            <Text className='setting__label'>{t('profile.careMode')}</Text>
            <Text className='caption muted'>{t('profile.careModeHint')}</Text>
          </View>
          <Toggle checked={care} onChange={changeCare} testId='care-toggle' />
        </View>
      </View>

      <View
        className='card card--link'
        data-testid='staff-entry'
        onClick={() => Taro.navigateTo({ url: '/pages/staff/index' })}
      >
        <View className='setting__text'>
          <Text className='setting__label'>{t('staff.entry')}</Text>
          <Text className='caption muted'>{t('staff.entryHint')}</Text>
        </View>
        <Text className='list__arrow'>›</Text>
      </View>

      {user && (
        <View className='btn btn--danger-ghost btn--block profile-logout' data-testid='logout' onClick={onLogout}>
          {t('profile.logout')}
        </View>
      )}
    </PageShell>
  )
}
