/**
 * code/state from the identity provider's redirect. Normally they are in the hash route's query
 * (`/h5/#/pages/identity/callback?code=..&state=..`), which Taro's router hands over as params; if a
 * server appended them to the real query string instead (`/h5/?code=..#/pages/...`), read that.
 */
export interface AuthParams {
  code?: string
  state?: string
  /** set instead of code when the user cancelled or the provider refused */
  error?: string
}

export function readAuthParams(params: Record<string, string | undefined>): AuthParams {
  const decode = (v?: string) => {
    if (v === undefined) return undefined
    try {
      return decodeURIComponent(v)
    } catch {
      return v
    }
  }
  let code = decode(params.code)
  let state = decode(params.state)
  let error = decode(params.error)
  if (!code && !error && process.env.TARO_ENV === 'h5' && typeof window !== 'undefined') {
    const search = new URLSearchParams(window.location.search)
    const hashQuery = window.location.hash.includes('?') ? window.location.hash.split('?')[1] : ''
    const hash = new URLSearchParams(hashQuery)
    code = search.get('code') ?? hash.get('code') ?? undefined
    state = search.get('state') ?? hash.get('state') ?? undefined
    error = search.get('error') ?? hash.get('error') ?? undefined
  }
  return { code, state, error }
}
