import Taro from '@tarojs/taro'
import { staffStore, type StaffAccount } from '../api'
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
