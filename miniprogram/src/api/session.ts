import { load, remove, save } from '../store/storage'
import { Observable, useObservable } from '../store/observable'
import type { TokenPair, User } from './types'

/** Tokens and the signed-in user, persisted in local storage. */
interface Tokens {
  access: string
  refresh: string
  /** epoch ms after which the access token is considered stale */
  expiresAt: number
}

let tokens: Tokens | null = load<Tokens | null>('tokens', null)
export const userStore = new Observable<User | null>(tokens ? load<User | null>('user', null) : null)

export function getTokens(): Tokens | null {
  return tokens
}

export function isLoggedIn(): boolean {
  return tokens !== null
}

export function storeTokenPair(pair: TokenPair): void {
  tokens = {
    access: pair.access_token,
    refresh: pair.refresh_token,
    expiresAt: Date.now() + Math.max(0, pair.expires_in - 30) * 1000,
  }
  save('tokens', tokens)
  if (pair.user) setUser(pair.user)
}

export function setUser(user: User | null): void {
  if (user) save('user', user)
  else remove('user')
  userStore.set(user)
}

export function clearSession(): void {
  tokens = null
  remove('tokens')
  setUser(null)
}

export const useUser = () => useObservable(userStore)

// ---- staff: a separate session (its own tokens, from POST /api/v1/staff/auth/login) -------------

export interface StaffAccount {
  id: number
  username: string
  display_name: string
  roles: string[]
  scopes: string[]
  /** scanners: the kinds of code they may scan */
  scan_kinds?: string[]
  /** roles and scopes by name, in the language of `labels_locale` (the server's labels) */
  roles_labels?: string[]
  scopes_labels?: string[]
  labels_locale?: string
}

interface StaffPair {
  access_token: string
  refresh_token: string
  expires_in: number
  account?: StaffAccount
}

let staffTokens: Tokens | null = load<Tokens | null>('staffTokens', null)
export const staffStore = new Observable<StaffAccount | null>(staffTokens ? load<StaffAccount | null>('staff', null) : null)

export function getStaffTokens(): Tokens | null {
  return staffTokens
}

export function storeStaffPair(pair: StaffPair): void {
  staffTokens = {
    access: pair.access_token,
    refresh: pair.refresh_token,
    expiresAt: Date.now() + Math.max(0, pair.expires_in - 30) * 1000,
  }
  save('staffTokens', staffTokens)
  if (pair.account) {
    save('staff', pair.account)
    staffStore.set(pair.account)
  }
}

/** The signed-in account as the server now describes it (its labels in the current language). */
export function updateStaffAccount(account: StaffAccount): void {
  const current = staffStore.get()
  if (!current || current.id !== account.id) return // signed out or someone else meanwhile
  save('staff', account)
  staffStore.set(account)
}

export function clearStaffSession(): void {
  staffTokens = null
  remove('staffTokens')
  remove('staff')
  staffStore.set(null)
}

export const useStaff = () => useObservable(staffStore)
