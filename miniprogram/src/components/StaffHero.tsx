import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { staffLogout, useStaff } from '../api'
import { useT } from '../i18n'
import { useRoleNames, useStaffLabelsInLocale } from './staffAuth'

/**
 * The staff pages' header: who is signed in, their roles by name, a sign-out link, and a hint line
 * (the site; by default where the account works: its scopes by name, never their codes).
 * `back` is the page to return to after signing in again.
 */
export default function StaffHero({ hint, hintTestId, back }: { hint?: string; hintTestId?: string; back?: string }) {
  const t = useT()
  const staff = useStaff()
  useStaffLabelsInLocale()
  const roles = useRoleNames(staff)
  const scopes = staff?.scopes_labels ?? []
  const line = hint ?? scopes.join(' · ')

  async function logout() {
    await staffLogout()
    const redirect = back ? `?redirect=${encodeURIComponent(back)}` : ''
    Taro.reLaunch({ url: `/pages/staff/login${redirect}` })
  }

  return (
    <View className='staff-hero'>
      <View className='staff-hero__row'>
        <Text className='staff-hero__title' data-testid='staff-name'>{staff?.display_name ?? ''}</Text>
        <Text className='link link--light' data-testid='staff-logout' onClick={logout}>
          {t('staff.logout')}
        </Text>
      </View>
      {roles.length > 0 && (
        <Text className='staff-hero__hint' data-testid='staff-roles'>
          {roles.join('、')}
        </Text>
      )}
      {line && (
        <Text className='staff-hero__hint' data-testid={hintTestId}>
          {line}
        </Text>
      )}
    </View>
  )
}
