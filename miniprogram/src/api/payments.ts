import { request, type RequestOptions } from './client'
import platform, { isNoticePay, type PayParams } from '../platform'

/**
 * Payments (支付): my orders (registration fees, government fees of applications) with their refunds
 * and e-receipts, paying an application's fee, and finance's desk (payments in scope, refunds,
 * daily reconciliation and its exceptions). Amounts are whole fen. Shapes follow api/payments/schemas.py.
 */

/** `expired` is no longer sent: an order not paid by its deadline is `closed` (`closed_reason: 'deadline'`). */
export type OrderState = 'created' | 'pending' | 'paid' | 'partially_refunded' | 'refunded' | 'closed' | 'expired'
export const ORDER_STATES: OrderState[] = ['pending', 'paid', 'partially_refunded', 'refunded', 'closed']

/** `processing`: asked for, the provider's answer awaited (or lost, and being asked about). */
export type RefundState = 'processing' | 'succeeded' | 'failed'

export interface Refund {
  id: number
  number: string
  order_id: number
  amount_fen: number
  reason: string
  state: RefundState
  /** the state's name in the caller's language */
  state_label?: string
  /** why the system refunded: `cancellation` or `late_payment`; null when finance asked */
  cause: 'cancellation' | 'late_payment' | null
  created_at: string
  finished_at: string | null
  /** when the provider gave the money back */
  success_time: string | null
}

export interface PaymentOrder {
  id: number
  number: string
  /** what it pays for: `appointment:42`, `application:7` */
  purpose: string
  description: string
  amount_fen: number
  /** the purpose's n-th order (a new one after the last closed unpaid) */
  attempt: number
  state: OrderState
  /** the state's name in the caller's language */
  state_label?: string
  /** closed unpaid: `deadline` or `cancelled` */
  closed_reason: 'deadline' | 'cancelled' | null
  paid_fen: number
  refunded_fen: number
  /** money that came when what it paid for no longer stood: given back, never kept */
  late_payment: boolean
  /** late money only: the system's refund state, `to_refund`, or `finance_bureau` (退付) */
  late_refund: 'processing' | 'succeeded' | 'failed' | 'to_refund' | 'finance_bureau' | null
  /** wechat, or public (the unified public payment platform, 非税) */
  provider: 'wechat' | 'public' | string
  /** 缴款码 of a government fee */
  notice_number: string | null
  /** while pending: WeChat Pay's (or the sandbox's) parameters, or `{notice_number, pay_url}` */
  pay_params: Record<string, unknown> | null
  /** 电子票据 of a government fee, once paid */
  receipt_url: string | null
  expires_at: string
  paid_at: string | null
  /** when the provider took the money */
  success_time: string | null
  /**
   * finance's views only: a government fee owed back through the finance bureau's 退付 (cancelled after
   * it was paid, or paid late): `to_return` until finance records it, then `returned`
   */
  finance_bureau?: 'to_return' | 'returned' | null
  /** what is owed back through the finance bureau */
  finance_bureau_due_fen?: number | null
  refunds: Refund[]
}

/** What an order pays for, split: `{ kind: 'application', id: 7 }`. */
export function purposeOf(order: Pick<PaymentOrder, 'purpose'>): { kind: string; id: number | null } {
  const [kind, id] = order.purpose.split(':')
  const n = Number(id)
  return { kind, id: Number.isFinite(n) && id !== '' ? n : null }
}

/** The page of the thing an order pays for (the case, the appointment), if the app has one. */
export function purposePage(order: Pick<PaymentOrder, 'purpose'>): string | null {
  const p = purposeOf(order)
  if (p.id === null) return null
  if (p.kind === 'application') return `/pages/applications/detail?id=${p.id}`
  if (p.kind === 'appointment') return `/pages/appointments/detail?id=${p.id}`
  return null
}

/** Money that can still be refunded. */
export const refundable = (o: PaymentOrder) => Math.max(0, o.paid_fen - o.refunded_fen)

// ---- mine -------------------------------------------------------------------------------------------

export async function listMyPayments(opts: RequestOptions = {}): Promise<PaymentOrder[]> {
  return (await request<{ items: PaymentOrder[] }>('/api/v1/payments', opts)).items
}

export function getPayment(id: number, opts: RequestOptions = {}): Promise<PaymentOrder> {
  return request<PaymentOrder>(`/api/v1/payments/${id}`, opts)
}

export function getRefund(id: number): Promise<Refund> {
  return request<Refund>(`/api/v1/refunds/${id}`)
}

/**
 * The fee's order of a filed case: made on the first ask, the same one after. Refusal:
 * `application_fee_not_due` (a draft, a closed case, a free item).
 */
export function applicationFeeOrder(caseId: number): Promise<PaymentOrder> {
  return request<PaymentOrder>(`/api/v1/applications/${caseId}/payment`, { method: 'POST', idempotent: false })
}

/**
 * Pay a pending order through the platform layer: a government fee by its notice number
 * (`payByNotice`), anything else with WeChat Pay's parameters (`requestPayment`). 'paid' when the
 * payment went through here (the sandbox), 'opened' when the payer went on to the platform's page.
 */
export async function payOrder(order: PaymentOrder): Promise<'paid' | 'opened'> {
  const params = order.pay_params
  if (!params) throw new Error('no pay_params')
  if (isNoticePay(params)) return platform.payByNotice(params)
  const p = params as unknown as PayParams
  await platform.requestPayment(
    'complete_url' in p && typeof p.complete_url === 'string' && !/^https?:\/\//.test(p.complete_url)
      ? { ...p, complete_url: `${API_BASE}${p.complete_url}` }
      : p,
  )
  return 'paid'
}

// ---- finance (role finance, scoped to merchant codes) -----------------------------------------------

const STAFF = '/api/v1/staff/payments'

export async function staffPayments(
  filter: { late?: boolean; state?: OrderState | '' } = {},
  opts: { silent?: boolean } = {},
): Promise<PaymentOrder[]> {
  const q: string[] = []
  if (filter.late) q.push('late=true')
  if (filter.state) q.push(`state=${filter.state}`)
  return (await request<{ items: PaymentOrder[] }>(`${STAFF}${q.length ? `?${q.join('&')}` : ''}`, { as: 'staff', ...opts })).items
}

/**
 * Refund all or part of a payment. Refusals are not toasted (the form shows them):
 * `refund_exceeds_paid` (details.refundable), `order_not_refundable`, `payment_provider_unavailable`.
 */
export function refundPayment(orderId: number, body: { amount_fen: number; reason: string }): Promise<Refund> {
  return request<Refund>(`${STAFF}/${orderId}/refunds`, { method: 'POST', as: 'staff', silent: true, data: body })
}

/**
 * Record a government fee's 退付 done by the finance bureau: the amount and the bureau's reference
 * number. Refusals are not toasted (the form shows them): `refund_exceeds_paid` (details.refundable),
 * `refund_outside_not_due`, `refund_reference_used`, `refund_reference_invalid`.
 */
export function recordBureauRefund(
  orderId: number,
  body: { amount_fen: number; reference: string; note?: string },
): Promise<Refund> {
  return request<Refund>(`${STAFF}/${orderId}/refund-outside`, { method: 'POST', as: 'staff', silent: true, data: body })
}

export interface ReconciliationRun {
  id: number
  day: string
  provider: string
  state: string
  lines: number
  matched: number
  exceptions: number
}

export type ExceptionKind = 'missing' | 'extra' | 'amount_differs' | 'state_differs'

export interface ReconciliationException {
  id: number
  day: string
  provider: string
  kind: ExceptionKind | string
  /** our order (or refund) number, or the provider's line's */
  reference: string
  /** our side, null when we have nothing (missing) */
  ours: Record<string, unknown> | null
  /** the provider's statement line, null when it has nothing (extra) */
  theirs: Record<string, unknown> | null
  resolved: boolean
  note: string | null
}

/** Reconcile a China date against the provider's statement (rerunnable). */
export function runReconciliation(day: string): Promise<ReconciliationRun> {
  return request<ReconciliationRun>(`${STAFF}/reconciliation/runs`, { method: 'POST', as: 'staff', idempotent: false, data: { day } })
}

export async function reconciliationExceptions(opts: { silent?: boolean } = {}): Promise<ReconciliationException[]> {
  return (await request<{ items: ReconciliationException[] }>(`${STAFF}/reconciliation/exceptions`, { ...opts, as: 'staff' })).items
}

export function resolveException(id: number, note: string): Promise<ReconciliationException> {
  return request<ReconciliationException>(`${STAFF}/reconciliation/exceptions/${id}/resolve`, {
    method: 'POST',
    as: 'staff',
    idempotent: false,
    data: { note },
  })
}
