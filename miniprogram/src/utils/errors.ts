import { ApiError } from '../api'

/**
 * Per-field messages from a 422 `invalid_input` (`error.details.fields`: `{field, code, message}`),
 * keyed by what follows `prefix` (`form.child_name` → `child_name`).
 */
export function fieldErrors(err: unknown, prefix = 'form.'): Record<string, string> {
  if (!(err instanceof ApiError)) return {}
  const details = err.details as { fields?: { field?: string; message?: string }[] } | undefined
  const out: Record<string, string> = {}
  for (const f of details?.fields ?? []) {
    if (typeof f.field === 'string' && f.field.startsWith(prefix) && f.message) {
      const key = f.field.slice(prefix.length)
      if (!(key in out)) out[key] = f.message
    }
  }
  return out
}

export function errorCode(err: unknown): string | null {
  return err instanceof ApiError ? err.code : null
}

/** An ApiError's `details`, typed by the caller (undefined for other errors). */
export function errorDetails<T>(err: unknown): T | undefined {
  return err instanceof ApiError ? (err.details as T | undefined) : undefined
}
