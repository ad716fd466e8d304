import { Text } from '@tarojs/components'
import { useT } from '../i18n'
import { labelOf } from '../utils/labels'

const TONE: Record<string, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  draft: 'muted',
  submitted: 'info',
  resubmitted: 'info',
  accepted: 'info',
  under_review: 'info',
  supplement_requested: 'warn',
  appealed: 'warn',
  approved: 'ok',
  delivered: 'ok',
  closed: 'ok',
  not_accepted: 'bad',
  denied: 'bad',
  appeal_dismissed: 'bad',
  withdrawn: 'muted',
}

/** Appointments (`appt.state.*`) and queue numbers (`ticket.state.*`). */
const APPOINTMENT_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  pending_payment: 'warn',
  booked: 'info',
  checked_in: 'ok',
  completed: 'ok',
  cancelled: 'muted',
  expired: 'muted',
  no_show: 'bad',
  waiting: 'info',
  called: 'ok',
  skipped: 'warn',
  served: 'muted',
}

/** Payment orders (`pay.state.*`) and refunds (`refund.state.*`). */
const PAYMENT_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  created: 'warn',
  pending: 'warn',
  paid: 'ok',
  partially_refunded: 'info',
  refunded: 'muted',
  closed: 'muted',
  expired: 'muted',
  processing: 'warn',
  succeeded: 'ok',
  failed: 'bad',
}

const KINDS = {
  case: { prefix: 'state', tone: TONE },
  appointment: { prefix: 'appt.state', tone: APPOINTMENT_TONE },
  ticket: { prefix: 'ticket.state', tone: APPOINTMENT_TONE },
  payment: { prefix: 'pay.state', tone: PAYMENT_TONE },
  refund: { prefix: 'refund.state', tone: PAYMENT_TONE },
}

interface Props {
  state: string
  /** the server's `state_label` (in the caller's language), when the response carries it */
  label?: string | null
  testId?: string
  /** whose state: an application's (default), an appointment's, a queue number's, a payment's or a refund's */
  kind?: keyof typeof KINDS
}

/** A state as a coloured chip (data-state carries the raw state for tests). */
export default function StateBadge({ state, label, testId = 'state-badge', kind = 'case' }: Props) {
  const t = useT()
  const { prefix, tone } = KINDS[kind]
  return (
    <Text className={`chip chip--${tone[state] ?? 'muted'}`} data-testid={testId} data-state={state}>
      {labelOf(t, state, label, prefix)}
    </Text>
  )
}
