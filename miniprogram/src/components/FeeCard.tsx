import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import { ApiError, applicationFeeOrder, payOrder, showError, type Case } from '../api'
import { isNoticePay, isSandboxUrl } from '../platform'
import { useT } from '../i18n'
import { yuan } from '../utils/format'
import PaymentCard from './PaymentCard'
import { useConfirm } from './ConfirmSheet'

interface Props {
  app: Case
  /** reread the case (after paying, or after coming back from the platform's page) */
  onChanged: () => Promise<unknown>
}

/**
 * The fee of a case (收费事项): the amount; once filed, a pay button that asks for the fee's order
 * (`POST /applications/{id}/payment`, the same order every time) and pays it through the platform
 * layer (a government fee by its notice number); then the order with its e-receipt link. An order
 * whose deadline passed unpaid is closed: the card says so and offers paying again (a new order).
 * What the server says of the fee (`fee_note`: a government fee returned by the finance bureau's
 * 退付) is shown under the order.
 */
export default function FeeCard({ app, onChanged }: Props) {
  const t = useT()
  const [busy, setBusy] = useState(false)
  const [opened, setOpened] = useState(false)
  const [sheet, ask] = useConfirm()
  const fee = app.fee_fen ?? 0
  if (fee <= 0) return null
  const order = app.payment ?? null
  const due = app.state !== 'draft' && !app.decided_at
  // closed unpaid (its deadline passed) while the case goes on: paid again with a new order
  const closed = order !== null && order.state === 'closed' && app.fee_state === 'closed' && !!app.fee_note
  const settled = order !== null && !closed && order.state !== 'pending' && order.state !== 'created'
  const canPay = due && !settled
  const notice = order?.pay_params && isNoticePay(order.pay_params) ? order.pay_params : null
  const sandbox = notice ? isSandboxUrl(notice.pay_url) : false

  async function pay() {
    if (busy) return
    const ok = await ask({
      title: t('fee.confirmTitle'),
      amount: `¥${yuan(fee)}`,
      body: app.item_label ?? undefined,
      confirmText: t('fee.confirmPay'),
      testId: 'fee-confirm',
    })
    if (!ok) return
    setBusy(true)
    try {
      const current = await applicationFeeOrder(app.id)
      if (current.state === 'pending') {
        const how = await payOrder(current)
        if (how === 'opened') setOpened(true)
        else Taro.showToast({ title: t('fee.paidToast'), icon: 'success' })
      }
      await onChanged()
    } catch (err) {
      if (err instanceof ApiError) showError(err)
      else Taro.showToast({ title: t('pay.failed'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  return (
    <View data-testid='fee-card' data-state={order?.state ?? 'none'} data-fee={fee}>
      {sheet}
      {order && settled ? (
        <>
          <PaymentCard order={order} title={t('fee.title')} />
          {app.fee_note && <Text className='caption muted block' data-testid='fee-note'>{app.fee_note}</Text>}
        </>
      ) : (
        <View className='card'>
          <View className='card__head card__head--top'>
            <Text className='card__title'>{t('fee.title')}</Text>
          </View>
          <Text className='caption muted block center'>{t('fee.amount')}</Text>
          <Text className='payment__amount' data-testid='fee-amount'>¥{yuan(fee)}</Text>
          {!closed && order?.notice_number && (
            <View className='kv'>
              <View className='kv__row'>
                <Text className='kv__key'>{t('pay.notice')}</Text>
                <Text className='kv__value mono' data-testid='fee-notice'>{order.notice_number}</Text>
              </View>
            </View>
          )}
          <Text className='body block warn-text' data-testid={closed ? 'fee-closed' : undefined}>
            {closed ? t('fee.closed') : due ? t('fee.due') : t('fee.notDue')}
          </Text>
          {sandbox && <View className='sandbox-note' data-testid='fee-sandbox'>{t('fee.sandbox')}</View>}
          {opened && <Text className='body block' data-testid='fee-opened'>{t('fee.opened')}</Text>}
          {canPay && (
            <View className={`btn btn--wechat btn--block ${busy ? 'btn--busy' : ''}`} data-testid='fee-pay' onClick={pay}>
              {closed
                ? t('fee.payAgain', { fee: yuan(fee) })
                : order?.provider === 'public' || notice
                  ? t('fee.payByNotice', { fee: yuan(fee) })
                  : t('fee.pay', { fee: yuan(fee) })}
            </View>
          )}
        </View>
      )}
    </View>
  )
}
