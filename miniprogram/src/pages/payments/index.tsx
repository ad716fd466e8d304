import Taro, { useDidShow } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import PaymentRow from '../../components/PaymentRow'
import { requireLogin } from '../../components/auth'
import { listMyPayments, type PaymentOrder } from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'
import './payments.css'

/** 我的缴费: my payments, newest first (registration fees, government fees of applications). */
export default function MyPayments() {
  const t = useT()
  const [items, setItems] = useState<PaymentOrder[] | null>(null)

  useDidShow(() => {
    if (!requireLogin('/pages/payments/index')) return
    listMyPayments()
      .then(setItems)
      .catch(() => setItems([]))
  })

  return (
    <PageShell testId='page-payments' title={t('pay.mine')}>
      <View className='card'>
        {items === null ? (
          <Text className='body muted'>{t('common.loading')}</Text>
        ) : items.length === 0 ? (
          <Text className='body muted block' data-testid='payments-empty'>{t('pay.none')}</Text>
        ) : (
          <View className='list' data-testid='payments-list'>
            {items.map((o) => (
              <PaymentRow key={o.id} order={o} onTap={() => Taro.navigateTo({ url: `/pages/payments/detail?id=${o.id}` })} />
            ))}
          </View>
        )}
      </View>
    </PageShell>
  )
}
