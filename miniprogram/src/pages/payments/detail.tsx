import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import PaymentCard from '../../components/PaymentCard'
import RefundList from '../../components/RefundList'
import { requireLogin } from '../../components/auth'
import { getPayment, purposePage, type PaymentOrder } from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'
import './payments.css'

/** One of my payments: amount, state, notice number and e-receipt of a government fee, its refunds. */
export default function PaymentDetail() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const [order, setOrder] = useState<PaymentOrder | null>(null)

  useDidShow(() => {
    if (!requireLogin(`/pages/payments/detail?id=${id}`)) return
    getPayment(id).then(setOrder).catch(() => undefined)
  })

  if (!order) {
    return (
      <PageShell testId='page-payment' title={t('pay.detail')}>
        <View className='card'>
          <Text className='body muted'>{t('common.loading')}</Text>
        </View>
      </PageShell>
    )
  }

  const page = purposePage(order)
  return (
    <PageShell testId='page-payment' title={t('pay.detail')}>
      <PaymentCard order={order} />
      <View className='card' data-testid='refunds-card'>
        <Text className='card__title'>{t('pay.refunds')}</Text>
        <RefundList refunds={order.refunds} />
      </View>
      {page && (
        <View className='card card--link' data-testid='payment-purpose' onClick={() => Taro.navigateTo({ url: page })}>
          <View className='setting__text'>
            <Text className='setting__label'>{t('pay.openPurpose')}</Text>
            <Text className='caption muted'>{order.description}</Text>
          </View>
          <Text className='list__arrow'>›</Text>
        </View>
      )}
    </PageShell>
  )
}
