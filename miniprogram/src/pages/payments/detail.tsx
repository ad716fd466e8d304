import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import PaymentCard from '../../components/PaymentCard'
import RefundList from '../../components/RefundList'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireLogin } from '../../components/auth'
import { getPayment, purposePage } from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'
import './payments.css'

/** One of my payments: amount, state, notice number and e-receipt of a government fee, its refunds. */
export default function PaymentDetail() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const load = useLoad(
    () => (requireLogin(`/pages/payments/detail?id=${id}`) ? getPayment(id, { silent: true }) : new Promise<never>(() => undefined)),
    { when: 'show' },
  )

  return (
    <PageShell testId='page-payment' title={t('pay.detail')}>
      <LoadState load={load} testId='payment'>
        {(order) => {
          const page = purposePage(order)
          return (
            <>
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
            </>
          )
        }}
      </LoadState>
    </PageShell>
  )
}
