import { request, type RequestOptions } from './client'
import type { CredentialCode } from './credentials'
import type { Slot } from './appointments'

/**
 * Tourism (景区预约): scenic spots and their days, the crowd board, real-name ticket orders (each
 * priced ticket paid through payments), my tickets with their QR, the waitlist (候补), complaints,
 * and the spot staff's gate, window and dashboard. Amounts are whole fen; times China time ISO
 * strings (+08:00). Shapes follow api/tourism/*.py; fields a strand may not send yet are optional.
 */

const BASE = '/api/v1/tourism'
/** The staff API of tourism (gates, windows, a spot's management), one place for every module. */
export const STAFF = '/api/v1/staff/tourism'

/** A spot's path in the staff API. */
export const spotPath = (code: string): string => `${STAFF}/spots/${encodeURIComponent(code)}`

// ---- spots (public) ---------------------------------------------------------------------------------

export type CrowdLevel = 'comfortable' | 'yellow' | 'orange' | 'red'

export interface SpotToday {
  booking_required: boolean
  /** entries bookable online today */
  capacity: number
  left: number
}

export interface Spot {
  code: string
  kind: string
  kind_label?: string
  name: string
  region_code: string
  latitude: number | null
  longitude: number | null
  /** China time HH:MM */
  opens: string
  closes: string
  /** 日最大承载量 */
  daily_max: number
  /** 瞬时最大承载量 */
  instant_max: number
  policy_percent: number
  /** the full price, fen */
  from_cents: number
  demo: boolean
  today: SpotToday | null
}

export interface PriceRow {
  category: string
  category_label?: string
  percent: number
  amount_cents: number
  /** what must be shown for the category; null: the age decides */
  proof: string | null
  first_age: number | null
  last_age: number | null
  /** a claim's: an e-certificate in the app proves it (true) or the window checks it (false) */
  proven_online: boolean | null
}

export interface Advisory {
  /** empty for a notice published without one */
  title?: string
  text: string
  first_day: string
  last_day: string
}

export interface SpotPage extends Spot {
  intro: string
  address: string
  slot_minutes: number
  walk_in_percent: number
  advisories: Advisory[]
  prices: PriceRow[]
}

export interface SpotDayView {
  code: string
  date: string
  booking_required: boolean
  capacity: number
  left: number
  slots: Slot[]
}

export async function listSpots(region?: string, opts: RequestOptions = {}): Promise<Spot[]> {
  const q = region ? `?region=${encodeURIComponent(region)}` : ''
  return (await request<{ spots: Spot[] }>(`${BASE}/spots${q}`, { ...opts, auth: false })).spots
}

export function getSpot(code: string, opts: RequestOptions = {}): Promise<SpotPage> {
  return request<SpotPage>(`${BASE}/spots/${encodeURIComponent(code)}`, { ...opts, auth: false })
}

/** A day's slots; `spot_day_not_open` (404) for a day not opened. */
export function getSpotDay(code: string, day: string, opts: RequestOptions = {}): Promise<SpotDayView> {
  return request<SpotDayView>(`${BASE}/spots/${encodeURIComponent(code)}/days/${day}`, { ...opts, auth: false })
}

// ---- crowd (public board; a resident's subscription) -------------------------------------------------

export interface Diversion {
  code: string
  name: string
  level: CrowdLevel
  level_label?: string
  km: number
}

export interface SpotCrowd {
  code: string
  name: string
  level: CrowdLevel
  level_label?: string
  inside: number
  limit: number
  sold: number
  capacity: number
  diversions: Diversion[]
}

export async function crowdBoard(region?: string, opts: RequestOptions = {}): Promise<SpotCrowd[]> {
  const q = region ? `?region=${encodeURIComponent(region)}` : ''
  return (await request<{ spots: SpotCrowd[] }>(`${BASE}/crowd${q}`, { ...opts, auth: false })).spots
}

export function subscribeCrowd(code: string): Promise<{ spot: string; subscribed: boolean }> {
  return request(`${BASE}/spots/${encodeURIComponent(code)}/crowd/subscription`, { method: 'PUT', idempotent: false })
}

// ---- visitors, quotes, orders ----------------------------------------------------------------------

/** Documents a companion may be named by (domain.identity.documents). */
export const DOCUMENT_KINDS = ['resident_id', 'residence_permit', 'home_return_permit', 'taiwan_permit', 'passport'] as const
export type DocumentKind = (typeof DOCUMENT_KINDS)[number]
/** Only the ID card and the residence permit carry the birth date: the others need `born`. */
export const DOCUMENT_HAS_BIRTH: DocumentKind[] = ['resident_id', 'residence_permit']

/** Claims that need proof (pricing.PROOF): a discount beyond the age's. */

export type VisitorIn =
  | { self: true; claims: string[] }
  | { member_id: number; claims: string[] }
  | { document_kind: string; document_number: string; name: string; born?: string; claims: string[] }

export interface QuoteLine {
  /** which visitor of the request (0-based) */
  visitor?: number
  category: string
  category_label?: string
  percent: number
  amount_fen?: number
  amount_cents?: number
  age?: number
  explanation: string
  proof?: string | null
  name_masked?: string | null
  document_masked?: string | null
  document_kind?: string
  document_kind_label?: string
}

export interface Quote {
  day?: string
  total_fen?: number
  visitors?: QuoteLine[]
  lines?: QuoteLine[]
  items?: QuoteLine[]
}

/** The quote's lines, whatever the list is called. */
export function quoteLines(q: Quote): QuoteLine[] {
  return q.visitors ?? q.lines ?? q.items ?? []
}

export const lineFen = (l: { amount_fen?: number; amount_cents?: number }) => l.amount_fen ?? l.amount_cents ?? 0

export type TicketStateCode = 'held' | 'confirmed' | 'used' | 'cancelled' | 'lapsed' | 'no_show' | string

export interface RefundPreview {
  ticket_id?: number
  /** false: why in `refusal` (ticket_not_active, ticket_cancel_cutoff_passed, ticket_cancel_quota_reached) */
  cancellable: boolean
  refusal?: string | null
  refusal_label?: string | null
  /** full, fee_kept or none */
  kind?: string
  kind_label?: string
  /** paid and not refunded yet */
  paid_fen?: number
  /** what cancelling now gives back, fen */
  refund_fen: number
}

export interface TicketOut {
  id: number
  code: string
  state: TicketStateCode
  state_label?: string
  category: string
  category_label?: string
  percent: number
  amount_fen: number
  explanation: string
  document_kind: string
  document_kind_label?: string
  document_masked: string
  name_masked: string | null
  member_id?: number | null
  used_at: string | null
  cancelled_at?: string | null
  refund_preview?: RefundPreview | null
}

export interface TicketPayment {
  ticket_id: number
  /** the payments module's order: GET /api/v1/payments/{id} has its pay_params while pending */
  order_id: number
  amount_fen: number
  state?: string
  state_label?: string
  expires_at?: string
  pay_params?: Record<string, unknown> | null
}

export interface TicketOrder {
  id: number
  spot: string
  spot_name: string
  day: string
  slot_id: number
  starts_at: string
  ends_at?: string
  channel: string
  channel_label?: string
  /** window sales: cash or wechat */
  paid_by?: string
  paid_by_label?: string
  total_fen: number
  tickets: TicketOut[]
  payments: TicketPayment[]
  created_at?: string
}

/** The states in which a ticket still holds its place. */
export const LIVE_TICKET_STATES = ['held', 'confirmed']

/** Refusals of ordering the book page explains beside the form (not toasted). */
export const ORDER_REFUSALS = ['slot_full', 'spot_day_full', 'spot_stop_selling', 'ticket_person_taken', 'ticket_birth_date_needed']

/** Slot or day full: the waitlist is offered instead. */
export const FULL_CODES = ['slot_full', 'spot_day_full', 'spot_stop_selling']

export function quote(code: string, day: string, visitors: VisitorIn[]): Promise<Quote> {
  return request<Quote>(`${BASE}/spots/${encodeURIComponent(code)}/quote`, {
    method: 'POST',
    idempotent: false,
    silent: true,
    data: { day, visitors },
  })
}

export function createTicketOrder(input: { spot: string; slot_id: number; visitors: VisitorIn[] }): Promise<TicketOrder> {
  return request<TicketOrder>(`${BASE}/orders`, { method: 'POST', silent: true, data: input })
}

async function items<T>(path: string, opts: RequestOptions): Promise<T[]> {
  const body = await request<{ items?: T[]; orders?: T[]; entries?: T[]; complaints?: T[] } | T[]>(path, opts)
  if (Array.isArray(body)) return body
  return body.items ?? body.orders ?? body.entries ?? body.complaints ?? []
}

export function listTicketOrders(opts: RequestOptions = {}): Promise<TicketOrder[]> {
  return items<TicketOrder>(`${BASE}/orders`, opts)
}

export function getTicketOrder(id: number, opts: RequestOptions = {}): Promise<TicketOrder> {
  return request<TicketOrder>(`${BASE}/orders/${id}`, opts)
}

export function cancelTicketOrder(id: number): Promise<TicketOrder> {
  return request<TicketOrder>(`${BASE}/orders/${id}/cancel`, { method: 'POST', idempotent: false, silent: true })
}

export function cancelTicket(id: number): Promise<unknown> {
  return request(`${BASE}/tickets/${id}/cancel`, { method: 'POST', idempotent: false, silent: true })
}

export function refundPreview(ticketId: number, opts: RequestOptions = {}): Promise<RefundPreview> {
  return request<RefundPreview>(`${BASE}/tickets/${ticketId}/refund`, opts)
}

/** The ticket's dynamic QR (kind `ticket`); refusals are the caller's to show. */
export function ticketCredential(ticketId: number): Promise<CredentialCode> {
  return request<CredentialCode>(`${BASE}/tickets/${ticketId}/credential`, { silent: true })
}

export interface QuotaUse {
  period: string
  period_label?: string
  used: number
  /** null: no limit */
  allowed: number | null
}

export interface TicketStanding {
  spot?: string
  no_shows: number
  no_show_limit?: number
  window_days?: number
  locked_until: string | null
  cancellations?: QuotaUse[] | Record<string, { used: number; allowed: number }>
}

/** The cancellation quotas as a list, whichever shape the server sends. */
export function quotaUses(s: TicketStanding): QuotaUse[] {
  const c = s.cancellations
  if (!c) return []
  if (Array.isArray(c)) return c
  return Object.entries(c).map(([period, v]) => ({ period, used: v.used, allowed: v.allowed as number | null }))
}

export function ticketStanding(spot: string, opts: RequestOptions = {}): Promise<TicketStanding> {
  return request<TicketStanding>(`${BASE}/standing?spot=${encodeURIComponent(spot)}`, opts)
}

// ---- waitlist (候补) --------------------------------------------------------------------------------

export interface WaitlistEntry {
  id: number
  spot: string
  spot_name: string
  day?: string
  slot_id: number
  starts_at?: string
  state: string
  state_label?: string
  /** places wanted: one per visitor */
  size?: number
  /** while waiting: 1 is served next */
  position?: number | null
  visitors?: { name_masked?: string | null; document_masked?: string | null }[]
  order_id?: number | null
  offer_expires_at?: string | null
  created_at?: string
}

export function joinWaitlist(input: { spot: string; slot_id: number; visitors: VisitorIn[] }): Promise<WaitlistEntry> {
  return request<WaitlistEntry>(`${BASE}/waitlist`, { method: 'POST', silent: true, data: input })
}

export function listWaitlist(opts: RequestOptions = {}): Promise<WaitlistEntry[]> {
  return items<WaitlistEntry>(`${BASE}/waitlist`, opts)
}

export function leaveWaitlist(id: number): Promise<unknown> {
  return request(`${BASE}/waitlist/${id}`, { method: 'DELETE', silent: true })
}

// ---- complaints -------------------------------------------------------------------------------------

export interface Complaint {
  id: number
  order_id: number
  spot?: string
  spot_name?: string
  visit_day?: string
  matter: string
  complainants: number
  /** `joint` for 4 or more complainants */
  kind?: string
  kind_label?: string
  state: string
  state_label?: string
  accept_by?: string | null
  answer_by?: string | null
  close_by?: string | null
  /** the clock now running (accept, answer, close) and its last day; null once refused or closed */
  step?: string | null
  step_label?: string | null
  due?: string | null
  overdue?: boolean
  reason?: string | null
  answer?: string | null
  /** the outcome it was closed with */
  decision?: string | null
  created_at?: string
}

export function fileComplaint(input: { order_id: number; matter: string; complainants: number }): Promise<Complaint> {
  return request<Complaint>(`${BASE}/complaints`, { method: 'POST', silent: true, data: input })
}

export function listComplaints(opts: RequestOptions = {}): Promise<Complaint[]> {
  return items<Complaint>(`${BASE}/complaints`, opts)
}

export type ComplaintAction = 'accept' | 'refuse' | 'answer' | 'close'

/** Complaints about the spot (every spot in scope without one), overdue first: case officers, spot managers. */
export function staffComplaints(spot?: string, opts: RequestOptions = {}): Promise<Complaint[]> {
  return items<Complaint>(`${STAFF}/complaints${spot ? `?spot=${encodeURIComponent(spot)}` : ''}`, { ...opts, as: 'staff' })
}

/** One step: `text` is the reason (refuse), the answer (answer) or the outcome (close). Not toasted. */
export function complaintStep(id: number, action: ComplaintAction, text: string): Promise<Complaint> {
  return request<Complaint>(`${STAFF}/complaints/${id}/${action}`, {
    method: 'POST',
    as: 'staff',
    idempotent: false,
    silent: true,
    data: { text },
  })
}

// ---- spot staff (scanner / seller roles, scope = the spot's code) -----------------------------------

export interface GateCount {
  inside: number
  limit: number
  level: CrowdLevel
  level_label?: string
  counted: boolean
}

export function gateEntry(code: string): Promise<GateCount> {
  return request<GateCount>(`${spotPath(code)}/entries`, { method: 'POST', as: 'staff', idempotent: false, silent: true })
}

export function gateExit(code: string): Promise<GateCount> {
  return request<GateCount>(`${spotPath(code)}/exits`, { method: 'POST', as: 'staff', idempotent: false, silent: true })
}

/** What the gate is shown on admitting a ticket (masked), with the count after. */
export interface Admission {
  ticket_id?: number
  name_masked?: string | null
  document_masked?: string | null
  category?: string
  category_label?: string
  inside?: number
  limit?: number
  level?: CrowdLevel
  level_label?: string
  [key: string]: unknown
}

export function admitByDocument(code: string, input: { document_kind: string; document_number: string }): Promise<Admission> {
  return request<Admission>(`${spotPath(code)}/admissions`, {
    method: 'POST',
    as: 'staff',
    idempotent: false,
    silent: true,
    data: input,
  })
}

export interface WindowVisitor {
  document_kind: string
  document_number: string
  name: string
  born?: string
  claims: string[]
}

export function windowSale(
  code: string,
  input: { slot_id?: number; visitors: WindowVisitor[]; paid_by: 'cash' | 'wechat' },
): Promise<TicketOrder> {
  return request<TicketOrder>(`${spotPath(code)}/sales`, { method: 'POST', as: 'staff', silent: true, data: input })
}

export interface LevelPoint {
  /** the level holds from here until the next point */
  at: string
  level: CrowdLevel
  level_label?: string
  /** 0 comfortable … 3 red */
  rank?: number
  inside?: number
  sold?: number
}

export interface Dashboard {
  spot?: string
  spot_name?: string
  day?: string
  sold_online?: number
  sold_window?: number
  sold?: { online: number; window: number; waitlist: number; total: number }
  taken?: number
  capacity?: number
  online_left?: number
  window_left?: number
  walk_in_left?: number
  inside: number
  limit: number
  entered?: number
  exited?: number
  level: CrowdLevel
  level_label?: string
  levels?: LevelPoint[]
  changes?: LevelPoint[]
  series?: LevelPoint[]
}

export function spotDashboard(code: string, opts: RequestOptions = {}): Promise<Dashboard> {
  return request<Dashboard>(`${spotPath(code)}/dashboard`, { ...opts, as: 'staff' })
}

export interface StaffAlert {
  id: number
  /** e.g. tourism_crowd */
  kind: string
  /** the site or spot code it concerns (never shown) */
  scope: string
  title: string
  body: string
  link: string | null
  created_at: string
}

export function staffAlerts(opts: RequestOptions = {}): Promise<StaffAlert[]> {
  return items<StaffAlert>('/api/v1/staff/alerts', { ...opts, as: 'staff' })
}
