import type { MessageKey } from '../i18n'

type Translate = (key: MessageKey) => string

/**
 * The one way a code a person might see (a state, role, site, authority, kind) becomes words.
 * The server's `<field>_label` (in the caller's language) wins; until a response carries one, the
 * app's own dictionary under `prefix` (`state.submitted`), and only then the code itself, so a
 * missing name stays visible to the browser test instead of being guessed. When every response
 * carries its labels, the fallbacks go from this one place.
 */
export function labelOf(t: Translate, code: string | null | undefined, serverLabel?: string | null, prefix?: string): string {
  if (serverLabel) return serverLabel
  if (!code) return ''
  if (prefix) {
    const key = `${prefix}.${code}` as MessageKey
    const text = t(key)
    if (text !== key) return text
  }
  return code
}

/** `obj[field + '_label']` when the server sent it (a string), else undefined. */
export function serverLabel(obj: object | null | undefined, field: string): string | undefined {
  const value = obj ? (obj as Record<string, unknown>)[`${field}_label`] : undefined
  return typeof value === 'string' && value ? value : undefined
}
