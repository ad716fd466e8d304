import { request, type RequestOptions } from './client'
import platform, { type PayParams } from '../platform'
import { load, remove, save } from '../store/storage'

/**
 * Appointments (预约): service halls' business types and hospitals' doctors, slots, booking (paid
 * registrations held until paid), my appointments with the queue once checked in, and the frontline
 * staff's day list, check-in, walk-ins and calling. Times are China time ISO strings (+08:00).
 * Shapes follow api/appointments/schemas.py.
 */

export type SiteKind = 'hall' | 'hospital'
export const SITE_KINDS: SiteKind[] = ['hall', 'hospital']

export interface Site {
  code: string
  kind: SiteKind
  name: string
  address: string
  region_code: string
}

/** A bookable line: a hall's business type, or a hospital's doctor. */
export interface BookableService {
  id: number
  code: string
  name: string
  /** hospitals: the clinical department */
  department: string | null
  doctor_title: string | null
  /** the queue it joins: numbers A001, A002… */
  business_type: string
  /** registration fee; 0 = free */
  fee_fen: number
  item_codes: string[]
}

export interface SiteDetail extends Site {
  services: BookableService[]
}

export interface Slot {
  slot_id: number
  starts_at: string
  ends_at: string
  /** places bookable online; null = unlimited */
  capacity: number | null
  /** places still free; null = unlimited */
  left: number | null
  /** open, not begun and with places left (the server's clock decides) */
  bookable: boolean
  /** begun by the server's clock: it takes no booking; read this, never the device's clock */
  started: boolean
}

export interface Slots {
  service_id: number
  date: string
  slots: Slot[]
}

export type AppointmentState =
  | 'pending_payment'
  | 'booked'
  | 'checked_in'
  | 'completed'
  | 'cancelled'
  | 'expired'
  | 'no_show'

export type TicketState = 'waiting' | 'called' | 'skipped' | 'served'

export interface QueuePosition {
  label: string
  state: TicketState
  /** the state's name in the caller's language */
  state_label?: string
  window: string | null
  /** numbers waiting before mine */
  ahead: number
  estimated_wait_minutes: number
}

/**
 * A paid service's fee, as the server derives it from the order and its refunds: awaiting (due),
 * paid (kept), refunding (coming back after a cancellation), refunded, closed (never paid).
 */
export interface AppointmentMoney {
  state: 'awaiting' | 'paid' | 'refunding' | 'refunded' | 'closed'
  /** the state's name in the caller's language */
  state_label?: string
  paid_fen: number
  /** what comes back: due, on its way, or given back */
  refund_fen: number
  order_id: number
}

/** Sandbox payments: the page's "pay" button POSTs `complete_url`; on weapp, later wx.requestPayment's. */
export type AppointmentPayParams = { sandbox: true; complete_url: string } | Record<string, unknown>

export interface Appointment {
  id: number
  number: string
  state: AppointmentState
  /** the state's name in the caller's language */
  state_label?: string
  /** the site's code (never shown: `site_label` is its name) */
  site: string
  site_label?: string
  site_name: string
  service_id: number
  service_name: string
  on_behalf_of: number | null
  starts_at: string
  ends_at: string
  fee_fen: number
  /** pending payment: the place is released after this */
  pay_by: string | null
  /** shown at the site; only while booked */
  checkin_code: string | null
  /** once checked in */
  queue: QueuePosition | null
  /** right after booking a paid service */
  pay_params?: AppointmentPayParams | null
  /** staff views: the masked name of the person it is for */
  who?: string | null
  /** a paid service's fee; null for a free one */
  money?: AppointmentMoney | null
}

export interface Standing {
  /** missed appointments within the window */
  no_shows: number
  /** this many within the window suspend booking */
  limit: number
  window_days: number
  suspended_until: string | null
}

/** The states in which an appointment still holds a place. */
/**
 * Whether a slot can be booked now: the server's `bookable` (false once `started`, by the server's
 * clock at the minute the view was read), and not begun by this device's clock either, for a page
 * left open past the slot's start (booking would refuse it with `slot_in_past`). The tourism pages
 * read the server's word alone.
 */
export function bookableNow(slot: Slot, now: number = Date.now()): boolean {
  return slot.bookable && Date.parse(slot.starts_at) > now
}

export const OPEN_STATES: AppointmentState[] = ['pending_payment', 'booked', 'checked_in']

/** Refusals of POST /appointments the pages explain in their own words. */
export const BOOKING_REFUSALS = [
  'slot_full',
  'slot_closed',
  'slot_in_past',
  'booking_window_closed',
  'appointment_limit_reached',
  'already_reserved',
  'booking_suspended',
  'family_consent_required',
  'payment_not_completed',
  'payment_too_late',
  'cancel_cutoff_passed',
] as const

const BASE = '/api/v1/appointments'

// ---- browsing (public) ------------------------------------------------------------------------------

export async function listSites(kind?: SiteKind, opts: RequestOptions = {}): Promise<Site[]> {
  return (await request<{ items: Site[] }>(`${BASE}/sites${kind ? `?kind=${kind}` : ''}`, { ...opts, auth: false })).items
}

export function getSite(code: string, opts: RequestOptions = {}): Promise<SiteDetail> {
  return request<SiteDetail>(`${BASE}/sites/${encodeURIComponent(code)}`, { ...opts, auth: false })
}

export function getSlots(serviceId: number, date: string, opts: RequestOptions = {}): Promise<Slots> {
  return request<Slots>(`${BASE}/services/${serviceId}/slots?date=${date}`, { auth: false, ...opts })
}

// ---- mine -------------------------------------------------------------------------------------------

/** Book a slot; refusals are not toasted (the page explains them). A paid service answers pending_payment. */
export async function bookAppointment(input: { service_id: number; slot_id: number; on_behalf_of?: number | null }) {
  const data: Record<string, unknown> = { service_id: input.service_id, slot_id: input.slot_id }
  if (input.on_behalf_of) data.on_behalf_of = input.on_behalf_of
  const made = await request<Appointment>(BASE, { method: 'POST', data, silent: true })
  // pay_params come only with the booking: keep them until paid (the pay page may be opened again)
  if (made.pay_params) save(`payParams.${made.id}`, made.pay_params)
  return made
}

export async function listAppointments(opts: RequestOptions = {}): Promise<Appointment[]> {
  return (await request<{ items: Appointment[] }>(BASE, opts)).items
}

export function getAppointment(id: number, opts: RequestOptions = {}): Promise<Appointment> {
  return request<Appointment>(`${BASE}/${id}`, opts)
}

export function cancelAppointment(id: number) {
  return request<Appointment>(`${BASE}/${id}/cancel`, { method: 'POST', idempotent: false, silent: true })
}

export function getStanding(opts: RequestOptions = {}): Promise<Standing> {
  return request<Standing>(`${BASE}/standing`, opts)
}

export function savedPayParams(id: number): AppointmentPayParams | null {
  return load<AppointmentPayParams | null>(`payParams.${id}`, null)
}

/**
 * Pay a held registration through the platform layer (sandbox: POST `complete_url`; weapp later:
 * wx.requestPayment), then confirm the place. Refusals: `payment_not_completed`, `payment_too_late`.
 */
export async function payAppointment(id: number, params: AppointmentPayParams): Promise<Appointment> {
  const p = params as PayParams
  await platform.requestPayment(
    'complete_url' in p && typeof p.complete_url === 'string' && !/^https?:\/\//.test(p.complete_url)
      ? { ...p, complete_url: `${API_BASE}${p.complete_url}` }
      : p,
  )
  const confirmed = await request<Appointment>(`${BASE}/${id}/payment/confirm`, {
    method: 'POST',
    idempotent: false,
    silent: true,
  })
  remove(`payParams.${id}`)
  return confirmed
}

// ---- frontline staff (role scanner, scoped to the site's code) --------------------------------------

export interface Ticket {
  id: number
  label: string
  business_type: string
  state: TicketState
  /** the state's name in the caller's language */
  state_label?: string
  window: string | null
  /** null: a walk-in */
  appointment_id: number | null
  issued_at: string
  called_at: string | null
}

const STAFF = '/api/v1/staff/appointments'

/** The site's appointments of a day (today by default); `who` is the masked name of the person it is for. */
export async function siteDay(site: string, date?: string, opts: RequestOptions = {}): Promise<Appointment[]> {
  const q = `site=${encodeURIComponent(site)}${date ? `&date=${date}` : ''}`
  return (await request<{ items: Appointment[] }>(`${STAFF}?${q}`, { as: 'staff', ...opts })).items
}

/**
 * Cancel a slot (a doctor's leave): everyone booked on it is cancelled and told. Answers the
 * appointments it cancelled. Refusals are not toasted (the page shows the server's message).
 */
export async function cancelSlot(slotId: number, reason: string): Promise<Appointment[]> {
  const res = await request<{ items: Appointment[] }>(`${STAFF}/slots/${slotId}/cancel`, {
    method: 'POST',
    as: 'staff',
    idempotent: false,
    silent: true,
    data: { reason },
  })
  return res.items
}

/**
 * Move a slot within its China day (a doctor delayed): everyone booked keeps their place at the new
 * time and is told. `startsAt` with its offset (+08:00). Refusals: `slot_move_other_day`,
 * `slot_in_past`, `slot_time_taken`, `slot_closed`, `appointment_not_found` (another site's slot).
 */
export async function moveSlot(slotId: number, startsAt: string, reason: string): Promise<Appointment[]> {
  const res = await request<{ items: Appointment[] }>(`${STAFF}/slots/${slotId}/move`, {
    method: 'POST',
    as: 'staff',
    idempotent: false,
    silent: true,
    data: { starts_at: startsAt, reason },
  })
  return res.items
}

/** Check a resident in by the code they show; refusals are not toasted (the page shows them). */
export function checkIn(code: string) {
  return request<{ appointment: Appointment; ticket: Ticket }>(`${STAFF}/check-in`, {
    method: 'POST',
    as: 'staff',
    idempotent: false,
    silent: true,
    data: { code },
  })
}

export function walkIn(serviceId: number) {
  return request<Ticket>(`${STAFF}/walk-ins`, { method: 'POST', as: 'staff', data: { service_id: serviceId } })
}

export async function queueTickets(site: string, businessType: string, opts: RequestOptions = {}): Promise<Ticket[]> {
  const q = `site=${encodeURIComponent(site)}&business_type=${encodeURIComponent(businessType)}`
  return (await request<{ items: Ticket[] }>(`${STAFF}/queue?${q}`, { ...opts, as: 'staff' })).items
}

/** The window finishes its number and calls the next; null when nobody waits. */
export async function callNext(site: string, businessType: string, window: string): Promise<Ticket | null> {
  const res = await request<{ ticket: Ticket | null }>(`${STAFF}/queue/call-next`, {
    method: 'POST',
    as: 'staff',
    idempotent: false,
    data: { site, business_type: businessType, window },
  })
  return res.ticket
}

export function skipTicket(id: number) {
  return request<Ticket>(`${STAFF}/tickets/${id}/skip`, { method: 'POST', as: 'staff', idempotent: false })
}

export function recallTicket(id: number, window: string) {
  return request<Ticket>(`${STAFF}/tickets/${id}/recall`, { method: 'POST', as: 'staff', idempotent: false, data: { window } })
}

export function serveTicket(id: number) {
  return request<Ticket>(`${STAFF}/tickets/${id}/serve`, { method: 'POST', as: 'staff', idempotent: false })
}
