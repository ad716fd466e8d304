import Taro from '@tarojs/taro'
import { t } from '../i18n'
import { acceptLanguage } from '../store/settings'
import { clearSession, getTokens, storeTokenPair } from './session'
import type { ErrorBody, TokenPair } from './types'
import { uuid4 } from './uuid'

/**
 * The one way the app talks to the backend.
 * - Bearer access token; on 401 one shared refresh with the refresh token, then one retry; if that fails: login page.
 * - Accept-Language from the chosen UI language (the server localises error messages).
 * - Idempotency-Key (random UUID) on creating POSTs, reused by the retry after a refresh.
 * - Errors `{"error": {code, message, details}, "request_id"}` become ApiError and, unless `silent`, a toast.
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
}

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

export const LOGIN_PAGE = '/pages/login/index'

function url(path: string): string {
  return /^https?:\/\//.test(path) ? path : `${API_BASE}${path}`
}

interface RawResponse {
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
  const tokens = getTokens()
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

function toApiError(res: RawResponse): ApiError {
  const body = res.data as Partial<ErrorBody> | null
  const e = body && typeof body === 'object' ? body.error : undefined
  if (e && typeof e.message === 'string') {
    return new ApiError(res.statusCode, e.code ?? 'error', e.message, e.details, body?.request_id)
  }
  return new ApiError(res.statusCode, `http_${res.statusCode}`, t('common.networkError'))
}

// ---- token refresh: one at a time -------------------------------------------------------------

let refreshing: Promise<boolean> | null = null

async function doRefresh(): Promise<boolean> {
  const tokens = getTokens()
  if (!tokens) return false
  try {
    const res = await send('/api/v1/auth/refresh', {
      method: 'POST',
      auth: false,
      data: { refresh_token: tokens.refresh },
    })
    if (res.statusCode >= 200 && res.statusCode < 300 && res.data) {
      storeTokenPair(res.data as TokenPair)
      return true
    }
    return false
  } catch {
    return false
  }
}

/** Refresh the access token; concurrent callers share the same attempt. */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    refreshing = doRefresh().finally(() => {
      refreshing = null
    })
  }
  return refreshing
}

let redirecting = false

/** Drop the session and open the login page (once, even if many requests fail together). */
export function goToLogin(): void {
  clearSession()
  if (redirecting) return
  const pages = Taro.getCurrentPages()
  const current = pages.length ? pages[pages.length - 1].route ?? '' : ''
  if (current.includes('pages/login/index')) return
  redirecting = true
  Taro.showToast({ title: t('common.loginExpired'), icon: 'none' })
  Taro.reLaunch({ url: LOGIN_PAGE }).finally(() => {
    redirecting = false
  })
}

export function showError(err: unknown): void {
  const message = err instanceof ApiError ? err.message : t('common.networkError')
  Taro.showToast({ title: message, icon: 'none', duration: 2500 })
}

export async function request<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET'
  const idempotencyKey = method === 'POST' && opts.idempotent !== false ? uuid4() : undefined
  try {
    const withAuth = opts.auth !== false
    let tokens = getTokens()
    // Access token known to be stale: refresh first instead of paying for a 401.
    if (withAuth && tokens && Date.now() > tokens.expiresAt) await refreshSession()
    const sentWith = getTokens()?.access
    let res = await send(path, { ...opts, method }, idempotencyKey)
    if (res.statusCode === 401 && withAuth) {
      tokens = getTokens()
      // Another request may have refreshed meanwhile: then just retry with the new token.
      const ok = tokens && tokens.access !== sentWith ? true : await refreshSession()
      const authFailed = () => {
        if (opts.onAuthFailure === 'clear') clearSession()
        else goToLogin()
        return toApiError(res)
      }
      if (!ok) throw authFailed()
      res = await send(path, { ...opts, method }, idempotencyKey)
      if (res.statusCode === 401) throw authFailed()
    }
    if (res.statusCode >= 200 && res.statusCode < 300) {
      return (res.statusCode === 204 ? undefined : res.data) as T
    }
    throw toApiError(res)
  } catch (err) {
    if (!opts.silent) showError(err)
    throw err
  }
}
