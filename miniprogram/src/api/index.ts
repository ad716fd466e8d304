import { request, type RequestOptions } from './client'
import { clearSession, getTokens, setUser, storeTokenPair } from './session'
import type { FamilyInvitation, FamilyMember, Relation, TokenPair, User } from './types'
import type { Locale } from '../store/settings'

export * from './types'
export { ApiError, errorMessage, request, showError, goToLogin, refreshSession } from './client'
export { isLoggedIn, useUser, userStore } from './session'

// ---- auth -----------------------------------------------------------------------------------------

export async function loginWithCode(code: string): Promise<User> {
  const pair = await request<TokenPair>('/api/v1/auth/wechat/login', {
    method: 'POST',
    auth: false,
    idempotent: false,
    data: { code },
  })
  storeTokenPair(pair)
  return pair.user
}

export async function logout(): Promise<void> {
  const tokens = getTokens()
  try {
    if (tokens) {
      await request<void>('/api/v1/auth/logout', {
        method: 'POST',
        auth: false,
        idempotent: false,
        silent: true,
        data: { refresh_token: tokens.refresh },
      })
    }
  } catch {
    /* the local session is dropped anyway */
  } finally {
    clearSession()
  }
}

// ---- me -------------------------------------------------------------------------------------------

export async function fetchMe(opts: { quiet?: boolean } = {}): Promise<User> {
  // quiet: at app launch a dead session just signs the user out, without a toast or a redirect
  const user = await request<User>('/api/v1/me', opts.quiet ? { silent: true, onAuthFailure: 'clear' } : {})
  setUser(user)
  return user
}

export async function updateMe(
  patch: { locale?: Locale; care_mode?: boolean; nickname?: string },
  opts: { silent?: boolean } = {},
): Promise<User> {
  const user = await request<User>('/api/v1/me', { method: 'PATCH', data: patch, silent: opts.silent })
  setUser(user)
  return user
}

export async function bindPhone(code: string): Promise<User> {
  const user = await request<User>('/api/v1/me/phone', { method: 'POST', data: { code } })
  setUser(user)
  return user
}

// ---- real-name identity ---------------------------------------------------------------------------

export function createIdentitySession(returnTo: string): Promise<{ authorize_url: string }> {
  return request('/api/v1/identity/sessions', { method: 'POST', data: { return_to: returnTo } })
}

export async function completeIdentity(code: string, state: string): Promise<User> {
  const user = await request<User>('/api/v1/identity/callback', {
    method: 'POST',
    data: { code, state },
    silent: true,
  })
  setUser(user)
  return user
}

// ---- family ---------------------------------------------------------------------------------------

export async function listFamily(opts: RequestOptions = {}): Promise<FamilyMember[]> {
  const res = await request<{ items: FamilyMember[] }>('/api/v1/family', opts)
  return res.items ?? []
}

export function addFamilyMember(input: { relation: Relation; name: string; id_number: string }): Promise<FamilyMember> {
  return request<FamilyMember>('/api/v1/family', { method: 'POST', data: input })
}

export function removeFamilyMember(id: FamilyMember['id']): Promise<void> {
  return request<void>(`/api/v1/family/${encodeURIComponent(String(id))}`, { method: 'DELETE' })
}

export async function listInvitations(): Promise<FamilyInvitation[]> {
  const res = await request<{ items: FamilyInvitation[] }>('/api/v1/family/invitations')
  return res.items ?? []
}

export function acceptInvitation(id: FamilyInvitation['id']): Promise<unknown> {
  return request(`/api/v1/family/invitations/${encodeURIComponent(String(id))}/accept`, { method: 'POST' })
}

export * from './office'
export * from './staff'
export * from './appointments'
export * from './payments'
export * from './credentials'
export * from './guardianship'
export * from './home'
export * from './tourism'
export { useStaff, staffStore, updateStaffAccount, type StaffAccount } from './session'
export type { Realm } from './client'
