import { Text, View } from '@tarojs/components'
import type { Application } from '../api'
import { useT } from '../i18n'
import { formatDateTime } from '../utils/format'
import KV from './KV'
import StateBadge from './StateBadge'

/** Head of a case (resident and staff views): item name, number, state, warning, due dates. */
export default function CaseSummary({ app, itemName }: { app: Application; itemName: string }) {
  const t = useT()
  return (
    <View className='card' data-testid='case-head' data-state={app.state} data-id={app.id}>
      <View className='card__head card__head--top'>
        <Text className='item-title'>{itemName || app.item_label || ''}</Text>
        <StateBadge state={app.state} label={app.state_label} testId='case-state' />
      </View>
      {app.warning === 'yellow' || app.warning === 'red' ? (
        <Text className={`chip chip--${app.warning === 'red' ? 'bad' : 'warn'}`} data-testid='case-warning'>
          {t(app.warning === 'red' ? 'case.warning.red' : 'case.warning.yellow')}
        </Text>
      ) : null}
      <View className='kv'>
        <KV k={t('case.number')} testId='case-number'>{app.number}</KV>
        {app.submitted_at && <KV k={t('case.submittedAt')}>{formatDateTime(app.submitted_at)}</KV>}
        {app.stage_due_on && <KV k={t('case.stageDue')}>{app.stage_due_on}</KV>}
        {app.due_promised_on && <KV k={t('case.promisedDue')} testId='case-due-promised'>{app.due_promised_on}</KV>}
        {app.due_legal_on && <KV k={t('case.legalDue')}>{app.due_legal_on}</KV>}
      </View>
    </View>
  )
}
