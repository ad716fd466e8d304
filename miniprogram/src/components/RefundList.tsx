import { Text, View } from '@tarojs/components'
import type { Refund } from '../api'
import { useT } from '../i18n'
import { chinaDateTime, yuan } from '../utils/format'
import StateBadge from './StateBadge'

/** A payment's refunds: amount, reason, when, state. */
export default function RefundList({ refunds }: { refunds: Refund[] }) {
  const t = useT()
  if (refunds.length === 0) return <Text className='body muted'>{t('common.none')}</Text>
  return (
    <View className='list' data-testid='refunds'>
      {refunds.map((r) => (
        <View key={r.id} className='list__row' data-testid='refund' data-id={r.id} data-state={r.state} data-amount={r.amount_fen}>
          <View className='list__main list__main--flush'>
            <Text className='list__title block'>¥{yuan(r.amount_fen)}</Text>
            <Text className='caption block'>{r.reason}</Text>
            <Text className='caption muted block'>
              <Text className='mono'>{r.number}</Text> · {chinaDateTime(r.finished_at ?? r.created_at)}
            </Text>
          </View>
          <StateBadge kind='refund' state={r.state} label={r.state_label} testId='refund-state' />
        </View>
      ))}
    </View>
  )
}
