import Taro from '@tarojs/taro'
import { View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import PaymentRow from '../../components/PaymentRow'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireLogin } from '../../components/auth'
import { listMyPayments } from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'
import './payments.css'

/** 我的缴费: my payments, newest first (registration fees, government fees of applications). */
export default function MyPayments() {
  const t = useT()
  const load = useLoad(
    () => (requireLogin('/pages/payments/index') ? listMyPayments({ silent: true }) : new Promise<never>(() => undefined)),
    { when: 'show' },
  )

  return (
    <PageShell testId='page-payments' title={t('pay.mine')}>
      <LoadState load={load} testId='payments' isEmpty={(items) => items.length === 0} empty={t('pay.none')}>
        {(items) => (
          <View className='card'>
            <View className='list' data-testid='payments-list'>
              {items.map((o) => (
                <PaymentRow key={o.id} order={o} onTap={() => Taro.navigateTo({ url: `/pages/payments/detail?id=${o.id}` })} />
              ))}
            </View>
          </View>
        )}
      </LoadState>
    </PageShell>
  )
}
