import { request } from './client'
import { spotPath, type TicketOrder } from './tourism'

/**
 * 窗口微信收款: a window sale's WeChat Pay codes (each priced ticket's Native order, a QR the visitor
 * scans with WeChat) and the sale's state the seller's screen polls until `settled`. Shapes follow
 * api/tourism/window_pay.py.
 */

export interface PayCode {
  payment_id: number
  ticket_id: number
  amount_fen: number
  /** weixin://wxpay/bizpayurl?… */
  code_url: string
  /** the code as an SVG document (for an <Image> data URI) */
  svg: string
  expires_at: string
  /** sandbox only: POST it to pay as a visitor scanning would */
  sandbox_pay_url?: string | null
}

export interface WindowPay extends TicketOrder {
  /** the codes still to pay, in the order of the tickets */
  codes: PayCode[]
  /** nothing left to pay: every priced ticket paid, or its payment ended unpaid */
  settled: boolean
}

function paying(code: string, orderId: number): string {
  return `${spotPath(code)}/sales/${orderId}/wechat`
}

/** Start (or show again) the sale's codes. */
export function windowPayCodes(code: string, orderId: number): Promise<WindowPay> {
  return request<WindowPay>(paying(code, orderId), { method: 'POST', as: 'staff', silent: true, idempotent: false })
}

/** The sale as it stands; `ask`: have the server ask WeChat Pay about payments still pending. */
export function windowPayState(code: string, orderId: number, ask = false): Promise<WindowPay> {
  return request<WindowPay>(`${paying(code, orderId)}${ask ? '?ask=true' : ''}`, { as: 'staff', silent: true })
}
