import { request, type RequestOptions } from './client'
import type { StaffAccount } from './session'

/**
 * Signed QR credentials (`/credentials/{kind}/{id}`), the electronic health card (电子健康卡,
 * `/health-cards`) and staff scanning (`/staff/scanner-devices`, `/staff/scans`).
 * Shapes follow api/credentials/schemas.py, api/health_cards/schemas.py and api/scanning/schemas.py.
 */

// ---- credentials (QR codes the resident shows) ------------------------------------------------------

export type CredentialKind = 'health_card' | 'appointment_pass' | 'certificate' | 'ticket'

export interface CredentialCode {
  /** the text inside the QR code: `PC:` and base32 */
  token: string
  kind: CredentialKind
  static: boolean
  issued_at: string
  /** scanners refuse it after this */
  expires_at: string
  /** when to fetch the next code; null for a static code */
  refresh_at: string | null
  qr_version: number
  /** the QR code as an SVG document */
  svg: string
}

/** A fresh code; refusals (`credential_frozen`, `credential_pin_not_set`…) are the caller's to show. */
export function getCredential(kind: CredentialKind, id: number, opts: { static?: boolean } = {}): Promise<CredentialCode> {
  const q = opts.static ? '?static=true' : ''
  return request<CredentialCode>(`/api/v1/credentials/${kind}/${id}${q}`, { silent: true })
}

// ---- health cards ----------------------------------------------------------------------------------

export type HealthCardState = 'active' | 'frozen' | 'revoked'

export interface HealthCard {
  id: number
  number: string
  /** a family member's card: the name the guardian gave them; anyone else's masked, e.g. 张* */
  holder_name: string
  /** masked, e.g. 4418**********1234 */
  id_number: string
  /** set when the card is a family member's */
  family_member_id: number | null
  state: HealthCardState
  /** the state's name in the caller's language */
  state_label?: string
  /** whether the static code can be shown (it needs the PIN) */
  pin_set: boolean
  issued_at: string
}

export type CardPurpose = 'register' | 'treat' | 'pay'
export const CARD_PURPOSES: CardPurpose[] = ['register', 'treat', 'pay']

export interface CardUse {
  id: number
  site_code: string
  site_name: string | null
  /** the site's name (the same as site_name) */
  site_label?: string | null
  purpose: CardPurpose | string
  used_at: string
}

/** Refusals of POST /health-cards the pages explain in their own words. */
export const ISSUE_REFUSALS = [
  'identity_level_required',
  'family_consent_required',
  'health_card_exists',
  'health_card_platform_unavailable',
] as const

const CARDS = '/api/v1/health-cards'

export async function listHealthCards(opts: RequestOptions = {}): Promise<HealthCard[]> {
  return (await request<{ items: HealthCard[] }>(CARDS, opts)).items
}

/** Issue a card for myself (no member) or an active family member; refusals are not toasted. */
export function issueHealthCard(familyMemberId: number | null): Promise<HealthCard> {
  return request<HealthCard>(CARDS, {
    method: 'POST',
    silent: true,
    data: familyMemberId ? { family_member_id: familyMemberId } : {},
  })
}

export function getHealthCard(id: number, opts: RequestOptions = {}): Promise<HealthCard> {
  return request<HealthCard>(`${CARDS}/${id}`, opts)
}

export function freezeHealthCard(id: number): Promise<HealthCard> {
  return request<HealthCard>(`${CARDS}/${id}/freeze`, { method: 'POST', idempotent: false })
}

export function unfreezeHealthCard(id: number): Promise<HealthCard> {
  return request<HealthCard>(`${CARDS}/${id}/unfreeze`, { method: 'POST', idempotent: false })
}

/** 注销: for good. */
export function cancelHealthCard(id: number): Promise<HealthCard> {
  return request<HealthCard>(`${CARDS}/${id}/cancel`, { method: 'POST', idempotent: false })
}

/** Six digits; a weak PIN is refused with `credential_pin_weak` (not toasted: the page shows it). */
export function setHealthCardPin(id: number, pin: string): Promise<void> {
  return request<void>(`${CARDS}/${id}/pin`, { method: 'PUT', data: { pin }, silent: true })
}

export async function healthCardUses(id: number, opts: RequestOptions = {}): Promise<CardUse[]> {
  return (await request<{ items: CardUse[] }>(`${CARDS}/${id}/uses`, opts)).items
}

// ---- staff scanning --------------------------------------------------------------------------------

export interface ScannerDevice {
  id: number
  code: string
  site: string
  name: string
  registered_at: string
  last_seen_at: string | null
}

export interface HealthCardShown {
  holder: string
  id_number: string
  card_number: string
  state: string
  purpose: CardPurpose | string
  allowed_actions: string[]
}

export interface AppointmentPassShown {
  appointment_number: string
  who: string
  site: string
  service: { zh_Hans: string; zh_Hant: string; en: string }
  starts_at: string
  /** the queue number taken, e.g. A001 */
  ticket: string
}

export interface CertificateShown {
  number: string
  type: string
  holder: string
  data: Record<string, unknown>
  valid_from: string
  valid_until: string
  issuer: string
  issued_at: string
  validity: string
}

export interface ScanResult {
  id: number
  outcome: 'admitted' | string
  kind: CredentialKind | string
  kind_name: string
  action: string
  shown: Record<string, unknown>
  scanned_at: string
  offline: boolean
  conflict_with: number | null
}

const DEVICES = '/api/v1/staff/scanner-devices'

/** The signed-in officer's account, fresh (scopes and scan kinds change). */
export function staffMe(opts: { silent?: boolean } = {}): Promise<StaffAccount & { scan_kinds?: string[] }> {
  return request('/api/v1/staff/me', { ...opts, as: 'staff' })
}

export async function listScannerDevices(opts: { silent?: boolean } = {}): Promise<ScannerDevice[]> {
  return (await request<{ items: ScannerDevice[] }>(DEVICES, { ...opts, as: 'staff' })).items
}

export function registerScannerDevice(site: string, name: string): Promise<ScannerDevice> {
  return request<ScannerDevice>(DEVICES, { method: 'POST', as: 'staff', data: { site, name } })
}

/** Scan a code at a device; refusals are not toasted (the page shows them in its red panel). */
export function submitScan(input: { device: string; code: string; pin?: string; purpose?: CardPurpose }): Promise<ScanResult> {
  const data: Record<string, unknown> = { device: input.device, code: input.code }
  if (input.pin) data.pin = input.pin
  if (input.purpose) data.purpose = input.purpose
  return request<ScanResult>('/api/v1/staff/scans', { method: 'POST', as: 'staff', idempotent: false, silent: true, data })
}

// ---- reading a token without verifying it (the scan page shows what was read) ----------------------

const WIRE_KINDS: Record<number, CredentialKind | 'ticket' | 'parking'> = {
  72: 'health_card', // H
  80: 'appointment_pass', // P
  84: 'ticket', // T
  67: 'certificate', // C
  75: 'parking', // K
}

/**
 * The kind and static flag of a token as read (`PC:` + base32: version, kind, flags…), so the
 * scan page can ask for a health card's purpose or a static code's PIN before sending it. Only
 * a hint: the server verifies everything. Null for text that is not one of ours.
 */
export function peekCredential(text: string): { kind: string; static: boolean } | null {
  const raw = text.trim().toUpperCase()
  if (!raw.startsWith('PC:')) return null
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const head = raw.slice(3, 11) // 8 characters = 5 bytes
  if (head.length < 8) return null
  let bits = 0
  let value = 0
  const bytes: number[] = []
  for (const ch of head) {
    const v = alphabet.indexOf(ch)
    if (v < 0) return null
    value = (value << 5) | v
    bits += 5
    if (bits >= 8) {
      bits -= 8
      bytes.push((value >> bits) & 0xff)
    }
  }
  const [version, kind, flags] = bytes
  if (version !== 1 || !(kind in WIRE_KINDS)) return null
  return { kind: WIRE_KINDS[kind], static: (flags & 1) === 1 }
}
