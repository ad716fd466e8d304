import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import Segmented from '../../components/Segmented'
import PaymentRow from '../../components/PaymentRow'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireStaff } from '../../components/staffAuth'
import { staffPayments, type OrderState } from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { load, save } from '../../store/storage'
import '../office/office.css'
import '../payments/payments.css'

type Filter = 'all' | 'late' | OrderState
const FILTERS: Filter[] = ['all', 'late', 'paid', 'partially_refunded', 'refunded']

/**
 * Finance's payments desk: the orders of the merchants in scope, late payments (money that came
 * after its order expired: to be refunded) and government fees to return through the finance bureau
 * (退付) highlighted and first; tap one to refund it (or record its 退付); reconciliation.
 */
export default function FinanceDesk() {
  const t = useT()
  const [filter, setFilter] = useState<Filter>(load<Filter>('financeFilter', 'all'))
  const items = useLoad(
    async () => {
      if (!requireStaff('/pages/finance/index')) return new Promise<never>(() => undefined)
      const found = await staffPayments(filter === 'all' ? {} : filter === 'late' ? { late: true } : { state: filter }, { silent: true })
      // late payments and government fees owed back through the finance bureau first: they wait for a refund
      const waiting = (o: (typeof found)[number]) => o.late_payment || o.finance_bureau === 'to_return'
      return [...found.filter(waiting), ...found.filter((o) => !waiting(o))]
    },
    { when: 'show', deps: [filter] },
  )

  function pick(f: Filter) {
    setFilter(f)
    save('financeFilter', f)
  }

  return (
    <PageShell testId='page-finance' title={t('fin.title')} className='staff'>
      <StaffHero back='/pages/finance/index' />
      <View
        className='card card--overlap card--link'
        data-testid='reconciliation-entry'
        onClick={() => Taro.navigateTo({ url: '/pages/finance/reconciliation' })}
      >
        <View className='setting__text'>
          <Text className='setting__label'>{t('fin.reconcile')}</Text>
          <Text className='caption muted'>{t('fin.reconcileHint')}</Text>
        </View>
        <Text className='list__arrow'>›</Text>
      </View>
      <View className='card card--link' data-testid='finance-case-queues' onClick={() => Taro.navigateTo({ url: '/pages/staff/index?queues=1' })}>
        <View className='setting__text'>
          <Text className='setting__label'>{t('fin.queues')}</Text>
          <Text className='caption muted'>{t('fin.queuesHint')}</Text>
        </View>
        <Text className='list__arrow'>›</Text>
      </View>
      <View className='card'>
        <Segmented
          testIdPrefix='payments-filter'
          value={filter}
          onChange={pick}
          options={FILTERS.map((f) => ({ value: f, label: t(`fin.filter.${f}` as MessageKey) }))}
        />
        <LoadState load={items} testId='finance' card={false} isEmpty={(list) => list.length === 0} empty={t('fin.none')}>
          {(list) => (
            <View className='list' data-testid='finance-list'>
              {list.map((o) => (
                <PaymentRow
                  key={o.id}
                  order={o}
                  testId='finance-payment'
                  onTap={() => Taro.navigateTo({ url: `/pages/finance/refund?id=${o.id}` })}
                />
              ))}
            </View>
          )}
        </LoadState>
      </View>
    </PageShell>
  )
}
