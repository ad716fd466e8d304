import type { Condition, FormField, FormValues, Scalar } from '../api/office'

/**
 * The catalogue's condition language (form `show_if`), evaluated as the server does
 * (domain/catalog/conditions.py): dotted paths, a missing field fails every comparison but
 * `present`, values of the wrong type never compare, and `true` never equals `1`.
 */

const MISSING = Symbol('missing')
type Found = unknown | typeof MISSING

function lookup(data: Record<string, unknown>, path: string): Found {
  let value: unknown = data
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !(part in (value as object))) return MISSING
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' || typeof b === 'boolean') return typeof a === typeof b && a === b
  return a === b
}

function comparable(a: unknown, b: unknown): boolean {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')
}

export function holds(condition: Condition, data: Record<string, unknown>): boolean {
  if ('all' in condition) return condition.all.every((c) => holds(c, data))
  if ('any' in condition) return condition.any.some((c) => holds(c, data))
  const actual = lookup(data, condition.field)
  const expected = condition.value ?? null
  if (condition.op === 'present') return actual !== MISSING && actual !== null && actual !== ''
  if (actual === MISSING) return false
  switch (condition.op) {
    case 'eq':
      return same(actual, expected)
    case 'ne':
      return !same(actual, expected)
    case 'in':
    case 'not_in': {
      const inside = Array.isArray(expected) && expected.some((e) => same(actual, e))
      return condition.op === 'in' ? inside : !inside
    }
  }
  if (!comparable(actual, expected)) return false
  const a = actual as number | string
  const e = expected as number | string
  switch (condition.op) {
    case 'lt':
      return a < e
    case 'le':
      return a <= e
    case 'gt':
      return a > e
    default:
      return a >= e
  }
}

/** A value as the server cleans it: trimmed text, numbers as numbers; empty = absent (undefined). */
export function cleanValue(field: FormField, raw: Scalar | undefined): Scalar | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw === 'string') {
    const text = raw.trim()
    if (!text) return undefined
    if (field.type === 'number') {
      const n = Number(text)
      return Number.isFinite(n) ? n : text // the server answers wrong_type for junk
    }
    if (field.type === 'id_number') return text.toUpperCase()
    return text
  }
  return raw
}

/**
 * The fields to show, top-down: a field shows when its condition holds on the cleaned answers of the
 * shown fields above it. Returns the shown fields and the answers to send (hidden ones dropped).
 */
export function visibleForm(fields: FormField[], values: FormValues): { shown: FormField[]; answers: FormValues } {
  const answers: FormValues = {}
  const shown: FormField[] = []
  for (const field of fields) {
    if (field.show_if && !holds(field.show_if, answers)) continue
    shown.push(field)
    const v = cleanValue(field, values[field.key])
    if (v !== undefined) answers[field.key] = v
  }
  return { shown, answers }
}

/** The value shown for an answer in read-only views (booleans and select options by label). */
export function displayValue(field: FormField | undefined, value: unknown, yes: string, no: string): string {
  if (value === null || value === undefined || value === '') return '—'
  if (typeof value === 'boolean') return value ? yes : no
  if (field?.type === 'money' && typeof value === 'number') return `¥${(value / 100).toFixed(2)}`
  const option = field?.options?.find((o) => o.value === value)
  return option ? option.label : String(value)
}
