import { Text, View } from '@tarojs/components'
import type { PaymentOrder } from '../api'
import { useT } from '../i18n'
import { chinaDateTime, yuan } from '../utils/format'
import StateBadge from './StateBadge'

interface Props {
  order: PaymentOrder
  onTap?: () => void
  testId?: string
}

/** One payment in a list (mine, finance's desk): what for, amount, when, state; late money flagged. */
export default function PaymentRow({ order, onTap, testId = 'payment' }: Props) {
  const t = useT()
  return (
    <View
      className={`list__row ${onTap ? 'list__row--tap' : ''} ${order.late_payment ? 'list__row--late' : ''}`}
      data-testid={testId}
      data-id={order.id}
      data-number={order.number}
      data-purpose={order.purpose}
      data-state={order.state}
      data-late={order.late_payment ? 'true' : 'false'}
      onClick={onTap}
    >
      <View className='list__main list__main--flush'>
        <Text className='list__title block'>{order.description}</Text>
        <Text className='caption muted block mono'>{order.number}</Text>
        <Text className='caption block'>{chinaDateTime(order.paid_at ?? order.expires_at)}</Text>
        {order.late_payment && (
          <Text className='chip chip--bad' data-testid={`${testId}-late`}>{t('fin.lateBadge')}</Text>
        )}
        {order.finance_bureau === 'to_return' && (
          <Text className='chip chip--bad' data-testid={`${testId}-bureau`}>{t('fin.bureauBadge')}</Text>
        )}
      </View>
      <View className='payment-row__side'>
        <Text className='payment-row__amount' data-testid={`${testId}-amount`}>¥{yuan(order.amount_fen)}</Text>
        <StateBadge kind='payment' state={order.state} label={order.state_label} testId={`${testId}-state`} />
      </View>
    </View>
  )
}
