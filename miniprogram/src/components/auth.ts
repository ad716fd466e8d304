import Taro from '@tarojs/taro'
import { isLoggedIn } from '../api'
import { LOGIN_PAGE } from '../api/client'

/** Send a signed-out user to the login page, coming back to `returnTo` afterwards. Returns false if it did. */
export function requireLogin(returnTo: string): boolean {
  if (isLoggedIn()) return true
  Taro.redirectTo({ url: `${LOGIN_PAGE}?redirect=${encodeURIComponent(returnTo)}` })
  return false
}

/**
 * For a page's loader (`useLoad`): signed out, open the login page and hand back a promise that never
 * settles (the page stays "loading" while it goes); signed in, null and the loader goes on.
 */
export function loginFirst(returnTo: string): Promise<never> | null {
  return requireLogin(returnTo) ? null : new Promise<never>(() => undefined)
}
