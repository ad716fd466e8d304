import { Text, View } from '@tarojs/components'
import platform from '../platform'
import type { PaymentOrder } from '../api'
import { useT } from '../i18n'
import { chinaDateTime, yuan } from '../utils/format'
import { labelOf } from '../utils/labels'
import KV from './KV'
import StateBadge from './StateBadge'

interface Props {
  order: PaymentOrder
  /** a title for the card (the detail page has none: its amount heads the card) */
  title?: string
}

/**
 * A payment order's facts (resident and finance views): amount, paid and refunded, number, how paid,
 * the notice number (缴款码) of a government fee, when paid, and the e-receipt (电子票据) link.
 */
export default function PaymentCard({ order, title }: Props) {
  const t = useT()
  const provider = labelOf(t, order.provider, undefined, 'pay.provider')
  return (
    <View className='card' data-testid='payment-card' data-id={order.id} data-state={order.state} data-provider={order.provider}>
      <View className='card__head card__head--top'>
        <Text className='item-title'>{title ?? order.description}</Text>
        <StateBadge kind='payment' state={order.state} label={order.state_label} testId='payment-state' />
      </View>
      <Text className='payment__amount' data-testid='payment-amount'>¥{yuan(order.amount_fen)}</Text>
      {order.late_payment && (
        <Text className='body block warn-text' data-testid='payment-late'>{t('pay.late')}</Text>
      )}
      <View className='kv'>
        {order.paid_fen > 0 && <KV k={t('pay.paidFen')} testId='payment-paid'>¥{yuan(order.paid_fen)}</KV>}
        {order.refunded_fen > 0 && <KV k={t('pay.refundedFen')} testId='payment-refunded'>¥{yuan(order.refunded_fen)}</KV>}
        <KV k={t('pay.number')} testId='payment-number'>{order.number}</KV>
        <KV k={t('pay.provider')}>{provider}</KV>
        {order.notice_number && <KV k={t('pay.notice')} testId='payment-notice'>{order.notice_number}</KV>}
        {order.paid_at ? (
          <KV k={t('pay.paidAt')} testId='payment-paid-at'>{chinaDateTime(order.paid_at)}</KV>
        ) : (
          order.state === 'pending' && <KV k={t('pay.expiresAt')}>{chinaDateTime(order.expires_at)}</KV>
        )}
      </View>
      {order.notice_number && order.state === 'pending' && (
        <Text className='caption muted block' data-testid='payment-notice-hint'>{t('pay.noticeHint')}</Text>
      )}
      {order.receipt_url && (
        <View className='btn btn--ghost btn--block' data-testid='payment-receipt' onClick={() => platform.openPage(order.receipt_url as string)}>
          {t('pay.receipt')}
        </View>
      )}
    </View>
  )
}
