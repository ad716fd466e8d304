import type { Appointment } from '../api'
import type { MessageKey } from '../i18n'
import { yuan } from '../utils/format'
import { labelOf } from '../utils/labels'

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string

/**
 * Where a registration's fee stands, in a line, once it is not simply due or paid: coming back or
 * given back (with the amount), or the unpaid order closed; null otherwise. The list, the detail
 * and the wallet's pass read the same words.
 */
export function moneyLine(t: Translate, a: Appointment): string | null {
  const m = a.money
  if (!m || m.state === 'awaiting' || (m.state === 'paid' && m.refund_fen === 0)) return null
  if (m.state === 'closed') return labelOf(t, m.state, m.state_label, 'appt.moneyState')
  if (m.state === 'paid') return `${t('appt.moneyRefund')} ¥${yuan(m.refund_fen)}` // part given back, the place kept
  return `${labelOf(t, m.state, m.state_label, 'appt.moneyState')} ¥${yuan(m.refund_fen)}`
}

/**
 * Finance gave (or is giving) the whole fee back: the server cancels the appointment once the refund
 * has succeeded and the outbox told appointments, so for that short while it is still `booked`. The
 * app shows it as being cancelled already: no check-in code, no pass, no cancel button.
 */
export function beingRefunded(a: Appointment): boolean {
  const m = a.money
  return a.state === 'booked' && !!m && (m.state === 'refunding' || m.state === 'refunded') && m.paid_fen > 0 && m.refund_fen >= m.paid_fen
}

/** The state a person reads: a booking refunded in full reads 取消中 until the server cancels it. */
export function shownState(t: Translate, a: Appointment): { state: string; label: string } {
  if (beingRefunded(a)) return { state: 'cancelling', label: t('appt.state.cancelling') }
  return { state: a.state, label: labelOf(t, a.state, a.state_label, 'appt.state') }
}
