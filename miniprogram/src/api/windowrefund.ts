import { request } from './client'
import { spotPath, type RefundPreview, type TicketOrder } from './tourism'

/**
 * 窗口退票: what cancelling a ticket the window sold gives back (by the order's refund rules; a cash
 * ticket's `paid_fen` is its price), and the cancellation of one ticket or the whole sale, each
 * answering the sale as it is now (tickets with their `refund_preview`). Cash is handed back at the
 * counter; WeChat Pay is refunded by payments. Shapes follow api/tourism/window.py.
 */

function at(code: string): string {
  return spotPath(code)
}

export function windowRefundPreview(code: string, ticketId: number): Promise<RefundPreview> {
  return request<RefundPreview>(`${at(code)}/tickets/${ticketId}/refund`, { as: 'staff', silent: true })
}

/** Cancel one ticket of a window sale (an Idempotency-Key per call: a retry refunds once). */
export function windowCancelTicket(code: string, ticketId: number): Promise<TicketOrder> {
  return request<TicketOrder>(`${at(code)}/tickets/${ticketId}/cancel`, { method: 'POST', as: 'staff', silent: true })
}

/** Cancel every live ticket of a window sale. */
export function windowCancelSale(code: string, orderId: number): Promise<TicketOrder> {
  return request<TicketOrder>(`${at(code)}/sales/${orderId}/cancel`, { method: 'POST', as: 'staff', silent: true })
}
