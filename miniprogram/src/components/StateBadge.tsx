import { Text } from '@tarojs/components'
import { useT, type MessageKey } from '../i18n'

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

/** An application's state as a coloured chip (data-state carries the raw state for tests). */
export default function StateBadge({ state, testId = 'state-badge' }: { state: string; testId?: string }) {
  const t = useT()
  const key = `state.${state}` as MessageKey
  const label = t(key) === key ? state : t(key)
  return (
    <Text className={`chip chip--${TONE[state] ?? 'muted'}`} data-testid={testId} data-state={state}>
      {label}
    </Text>
  )
}
