import Taro from '@tarojs/taro'
import { useEffect, useState } from 'react'
import { staffMe, staffRoles, staffStore, updateStaffAccount, useStaff, type StaffAccount } from '../api'
import { useLocale } from '../store/settings'
import { STAFF_LOGIN_PAGE } from '../api/client'

/** Send a signed-out staff member to the staff login page. Returns false if it did. */
export function requireStaff(returnTo: string): boolean {
  if (staffStore.get()) return true
  Taro.redirectTo({ url: `${STAFF_LOGIN_PAGE}?redirect=${encodeURIComponent(returnTo)}` })
  return false
}

/** Case officers take cases and check the birth certificates residents send for children in their regions. */
export function isCaseOfficer(account: StaffAccount | null): boolean {
  return !!account && account.roles.includes('case_officer')
}

/**
 * The account's role and scope names come from the server in the language of the moment they were
 * fetched (the login). After the language changes, ask for the account again, once per language, so
 * the staff header never shows 办件人员 on an English page.
 */
export function useStaffLabelsInLocale(): void {
  const locale = useLocale()
  const account = useStaff()
  const stale = !!account && account.labels_locale !== locale
  useEffect(() => {
    if (!stale) return
    staffMe({ silent: true })
      .then((fresh) => updateStaffAccount({ ...fresh, labels_locale: locale }))
      .catch(() => undefined) // the names in the old language stay; the next page asks again
  }, [stale, locale])
}

const roleNames = new Map<string, Promise<Record<string, string>>>()

/**
 * The signed-in staff member's roles by name in the UI language: the account's `roles_labels` when
 * the server sends them, else `GET /staff/roles` (cached per language), never the role codes.
 */
export function useRoleNames(account: StaffAccount | null): string[] {
  const locale = useLocale()
  const [names, setNames] = useState<Record<string, string>>({})
  const sent = account?.roles_labels
  useEffect(() => {
    if (!account || sent) return
    let found = roleNames.get(locale)
    if (!found) {
      found = staffRoles({ silent: true }).then((items) => Object.fromEntries(items.map((r) => [r.code, r.name])))
      found.catch(() => roleNames.delete(locale))
      roleNames.set(locale, found)
    }
    found.then(setNames).catch(() => undefined)
  }, [account, sent, locale])
  if (!account) return []
  return sent ?? account.roles.map((r) => names[r]).filter((n): n is string => !!n)
}
