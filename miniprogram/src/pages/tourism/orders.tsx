import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import LoadState, { useLoad } from '../../components/LoadState'
import { loginFirst } from '../../components/auth'
import { listTicketOrders, type TicketOrder } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { chinaParts } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import { priceText } from './money'
import '../office/office.css'
import './tourism.css'

/** 我的门票: my ticket orders, newest first, each with its tickets' states; one opens its order. */
export default function TourismOrders() {
  const t = useT()
  const locale = useLocale()
  const orders = useLoad(() => loginFirst('/pages/tourism/orders') ?? listTicketOrders({ silent: true }), { when: 'show', deps: [locale] })
  return (
    <PageShell testId='page-tourism-orders' title={t('tourism.myTickets')}>
      <LoadState
        load={orders}
        testId='ticket-orders'
        isEmpty={(list) => list.length === 0}
        empty={t('tourism.noOrders')}
        emptyAction={
          <View className='btn btn--primary btn--block' data-testid='orders-book' onClick={() => Taro.redirectTo({ url: '/pages/tourism/index' })}>
            {t('tourism.goBook')}
          </View>
        }
      >
        {(list) => (
          <View className='card'>
            {list.map((o) => (
              <OrderRow key={o.id} order={o} />
            ))}
          </View>
        )}
      </LoadState>
    </PageShell>
  )
}

function OrderRow({ order }: { order: TicketOrder }) {
  const t = useT()
  const when = chinaParts(order.starts_at)
  const states = order.tickets.map((tk) => labelOf(t, tk.state, tk.state_label, 'tourism.ticketState'))
  return (
    <View
      className='list__row list__row--tap'
      data-testid='ticket-order'
      data-id={order.id}
      onClick={() => Taro.navigateTo({ url: `/pages/tourism/order?id=${order.id}` })}
    >
      <View className='list__main'>
        <Text className='list__title block'>{order.spot_name}</Text>
        <Text className='caption muted block'>{`${when.date} ${when.time} · ${t('tourism.ticketsCount', { n: order.tickets.length })} · ${priceText(t, order.total_fen)}`}</Text>
        <Text className='caption block'>{[...new Set(states)].join('、')}</Text>
      </View>
      <Text className='list__arrow'>›</Text>
    </View>
  )
}
