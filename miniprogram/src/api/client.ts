import Taro from '@tarojs/taro'
import { t } from '../i18n'
import { acceptLanguage } from '../store/settings'
import {
  clearSession,
  clearStaffSession,
  getStaffTokens,
  getTokens,
  storeStaffPair,
  storeTokenPair,
} from './session'
import type { ErrorBody, TokenPair } from './types'
import { uuid4 } from './uuid'

/**
 * The one way the app talks to the backend.
 * - Bearer access token; on 401 one shared refresh with the refresh token, then one retry; if that fails: login page.
 * - Accept-Language from the chosen UI language (the server localises error messages).
 * - Idempotency-Key (random UUID) on creating POSTs, reused by the retry after a refresh.
 * - Errors `{"error": {code, message, details}, "request_id"}` become ApiError and, unless `silent`, a toast.
 *   A page loading its data passes `silent` and shows the failure itself (components/LoadState: the
 *   message and 重试), so a failure never looks like empty data.
 */

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

export interface RequestOptions {
  method?: Method
  data?: Record<string, unknown>
  /** send the Bearer token and handle 401 (default true) */
  auth?: boolean
  /** add an Idempotency-Key (default: true for POST) */
  idempotent?: boolean
  /** do not toast errors; the caller shows them */
  silent?: boolean
  /** when the session cannot be refreshed: open the login page (default) or just drop the session */
  onAuthFailure?: 'login' | 'clear'
  /** whose session: the resident's (default) or the staff member's (separate tokens and login page) */
  as?: Realm
}

/** Residents and staff hold separate sessions; each has its own tokens, refresh call and login page. */
export type Realm = 'resident' | 'staff'

export const LOGIN_PAGE = '/pages/login/index'
export const STAFF_LOGIN_PAGE = '/pages/staff/login'

const REALMS = {
  resident: {
    tokens: getTokens,
    refreshPath: '/api/v1/auth/refresh',
    store: (data: unknown) => storeTokenPair(data as TokenPair),
  },
  staff: {
    tokens: getStaffTokens,
    refreshPath: '/api/v1/staff/auth/refresh',
    store: (data: unknown) => storeStaffPair(data as Parameters<typeof storeStaffPair>[0]),
  },
} as const

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details?: unknown,
    public requestId?: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

function url(path: string): string {
  return /^https?:\/\//.test(path) ? path : `${API_BASE}${path}`
}

export interface RawResponse {
  statusCode: number
  data: unknown
  header?: Record<string, string>
}

async function send(path: string, opts: RequestOptions, idempotencyKey?: string): Promise<RawResponse> {
  const header: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': acceptLanguage(),
  }
  if (opts.data !== undefined) header['Content-Type'] = 'application/json'
  const tokens = REALMS[opts.as ?? 'resident'].tokens()
  if (opts.auth !== false && tokens) header.Authorization = `Bearer ${tokens.access}`
  if (idempotencyKey) header['Idempotency-Key'] = idempotencyKey
  try {
    const res = await Taro.request({
      url: url(path),
      method: opts.method ?? 'GET',
      data: opts.data,
      header,
      dataType: 'json',
    })
    return { statusCode: res.statusCode, data: res.data, header: res.header }
  } catch (err) {
    const status = (err as { statusCode?: number })?.statusCode
    throw new ApiError(status ?? 0, 'network_error', t('common.networkError'))
  }
}

export function toApiError(res: RawResponse): ApiError {
  const body = res.data as Partial<ErrorBody> | null
  const e = body && typeof body === 'object' ? body.error : undefined
  if (e && typeof e.message === 'string') {
    return new ApiError(res.statusCode, e.code ?? 'error', e.message, e.details, body?.request_id)
  }
  return new ApiError(res.statusCode, `http_${res.statusCode}`, t('common.networkError'))
}

// ---- token refresh: one at a time -------------------------------------------------------------

const refreshing: Record<Realm, Promise<boolean> | null> = { resident: null, staff: null }

async function doRefresh(realm: Realm): Promise<boolean> {
  const r = REALMS[realm]
  const tokens = r.tokens()
  if (!tokens) return false
  try {
    const res = await send(r.refreshPath, {
      method: 'POST',
      auth: false,
      data: { refresh_token: tokens.refresh },
    })
    if (res.statusCode >= 200 && res.statusCode < 300 && res.data) {
      r.store(res.data)
      return true
    }
    return false
  } catch {
    return false
  }
}

/** Refresh the access token; concurrent callers share the same attempt. */
export function refreshSession(realm: Realm = 'resident'): Promise<boolean> {
  if (!refreshing[realm]) {
    refreshing[realm] = doRefresh(realm).finally(() => {
      refreshing[realm] = null
    })
  }
  return refreshing[realm] as Promise<boolean>
}

let redirecting = false

/** Drop the session and open the login page (once, even if many requests fail together). */
export function goToLogin(realm: Realm = 'resident'): void {
  if (realm === 'staff') clearStaffSession()
  else clearSession()
  if (redirecting) return
  const page = realm === 'staff' ? STAFF_LOGIN_PAGE : LOGIN_PAGE
  const pages = Taro.getCurrentPages()
  const current = pages.length ? pages[pages.length - 1].route ?? '' : ''
  if (current.includes(page.slice(1))) return
  redirecting = true
  Taro.showToast({ title: t('common.loginExpired'), icon: 'none' })
  Taro.reLaunch({ url: page }).finally(() => {
    redirecting = false
  })
}

/**
 * What went wrong, in words for the person: the server's localised message, else "network error".
 * Pages that load data show it in their error state (with 重试) instead of a toast that vanishes:
 * they call with `silent: true` and hand the error to `LoadState`.
 */
export function errorMessage(err: unknown): string {
  return err instanceof ApiError ? err.message : t('common.networkError')
}

export function showError(err: unknown): void {
  Taro.showToast({ title: errorMessage(err), icon: 'none', duration: 2500 })
}

/**
 * Send with the realm's token; on 401 refresh once (shared) and retry once; then the login page.
 * `transport` does the sending (JSON request by default; uploads pass their own).
 */
async function withSession(
  opts: RequestOptions,
  transport: () => Promise<RawResponse>,
): Promise<RawResponse> {
  const realm = opts.as ?? 'resident'
  const r = REALMS[realm]
  const withAuth = opts.auth !== false
  let tokens = r.tokens()
  // Access token known to be stale: refresh first instead of paying for a 401.
  if (withAuth && tokens && Date.now() > tokens.expiresAt) await refreshSession(realm)
  const sentWith = r.tokens()?.access
  let res = await transport()
  if (res.statusCode === 401 && withAuth) {
    tokens = r.tokens()
    // Another request may have refreshed meanwhile: then just retry with the new token.
    const ok = tokens && tokens.access !== sentWith ? true : await refreshSession(realm)
    const authFailed = () => {
      if (opts.onAuthFailure === 'clear') {
        if (realm === 'staff') clearStaffSession()
        else clearSession()
      } else goToLogin(realm)
      return toApiError(res)
    }
    if (!ok) throw authFailed()
    res = await transport()
    if (res.statusCode === 401) throw authFailed()
  }
  return res
}

export async function request<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET'
  const idempotencyKey = method === 'POST' && opts.idempotent !== false ? uuid4() : undefined
  try {
    const res = await withSession(opts, () => send(path, { ...opts, method }, idempotencyKey))
    if (res.statusCode >= 200 && res.statusCode < 300) {
      return (res.statusCode === 204 ? undefined : res.data) as T
    }
    throw toApiError(res)
  } catch (err) {
    if (!opts.silent) showError(err)
    throw err
  }
}

/** Headers for a request the platform layer sends itself (uploads, downloads). */
export function authHeaders(realm: Realm = 'resident', idempotent = false): Record<string, string> {
  const header: Record<string, string> = { Accept: 'application/json', 'Accept-Language': acceptLanguage() }
  const tokens = REALMS[realm].tokens()
  if (tokens) header.Authorization = `Bearer ${tokens.access}`
  if (idempotent) header['Idempotency-Key'] = uuid4()
  return header
}

/**
 * A request sent by the platform layer (multipart upload, file download) with the same session
 * handling and error shape as `request`. `transport` gets fresh headers for each attempt.
 */
export async function requestVia<T = unknown>(
  opts: RequestOptions,
  transport: (header: Record<string, string>, url: (path: string) => string) => Promise<RawResponse>,
): Promise<T> {
  const key = opts.idempotent ? uuid4() : undefined
  try {
    const res = await withSession(opts, () => {
      const header = authHeaders(opts.as)
      if (key) header['Idempotency-Key'] = key
      return transport(header, url).catch((err) => {
        const status = (err as { statusCode?: number })?.statusCode
        throw new ApiError(status ?? 0, 'network_error', t('common.networkError'))
      })
    })
    let data = res.data
    if (typeof data === 'string') {
      try {
        data = JSON.parse(data) // wx.uploadFile returns the body as text
      } catch {
        /* not JSON: leave it */
      }
    }
    const parsed = { ...res, data }
    if (res.statusCode >= 200 && res.statusCode < 300) return data as T
    throw toApiError(parsed)
  } catch (err) {
    if (!opts.silent) showError(err)
    throw err
  }
}
