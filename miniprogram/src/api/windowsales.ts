import { request } from './client'
import { spotPath, type DocumentKind, type TicketOrder } from './tourism'

/**
 * 今日售票: the window's sales of a day (newest first, paginated) and one sale found again by its
 * number, a ticket's number or the visitor's document, so that a walk-in who comes back is refunded
 * at the counter. Shapes follow api/tourism/window_sales.py.
 */

export interface WindowSale extends TicketOrder {
  paid_by: 'cash' | 'wechat'
  paid_by_label?: string
  sold_at: string
  seller_id: number | null
  seller_name: string | null
  /** a ticket of it is live and the order's cut-off has not passed */
  cancellable: boolean
}

export interface WindowSales {
  day: string
  items: WindowSale[]
  total: number
  limit: number
  offset: number
}

/** What the seller typed: exactly one of the three. */
export type SaleLookup = { order_id: number } | { ticket_code: string } | { document_kind: DocumentKind; document_number: string }

function sales(code: string): string {
  return `${spotPath(code)}/sales`
}

export function windowSales(code: string, opts: { day?: string; limit?: number; offset?: number } = {}): Promise<WindowSales> {
  const q = Object.entries(opts)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&')
  return request<WindowSales>(`${sales(code)}${q ? `?${q}` : ''}`, { as: 'staff', silent: true })
}

export function windowSaleById(code: string, orderId: number): Promise<WindowSale> {
  return request<WindowSale>(`${sales(code)}/${orderId}`, { as: 'staff', silent: true })
}

/** In a body, never a query string: a document number stays out of access logs. */
export function findWindowSale(code: string, lookup: SaleLookup): Promise<WindowSale> {
  return request<WindowSale>(`${sales(code)}/lookup`, { method: 'POST', as: 'staff', silent: true, idempotent: false, data: lookup })
}
