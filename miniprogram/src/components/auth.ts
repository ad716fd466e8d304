import Taro from '@tarojs/taro'
import { isLoggedIn } from '../api'
import { LOGIN_PAGE } from '../api/client'

/** Send a signed-out user to the login page, coming back to `returnTo` afterwards. Returns false if it did. */
export function requireLogin(returnTo: string): boolean {
  if (isLoggedIn()) return true
  Taro.redirectTo({ url: `${LOGIN_PAGE}?redirect=${encodeURIComponent(returnTo)}` })
  return false
}
