import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { loginFirst } from '../../components/auth'
import { isSandboxPay, type PayParams } from '../../platform'
import { ApiError, getPayment, getTicketOrder, payOrder, showError, type TicketOrder, type TicketPayment } from '../../api'
import { useT } from '../../i18n'
import { chinaRange, yuan } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import '../appointments/appointments.css'
import './tourism.css'

/** The payments still due: each priced ticket that is held (not paid, not lapsed). */
function due(order: TicketOrder): TicketPayment[] {
  const held = new Set(order.tickets.filter((tk) => tk.state === 'held').map((tk) => tk.id))
  return order.payments.filter((p) => held.has(p.ticket_id))
}

/**
 * Pay a ticket order: every priced ticket is its own payment (a ticket is refunded on its own), so
 * the button asks once for the total, then pays each through the platform layer (the sandbox POSTs
 * `complete_url`, WeChat Pay later), then shows the order. A ticket not paid within its hold lapses.
 */
export default function TourismPay() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const self = `/pages/tourism/pay?id=${id}`
  const order = useLoad(() => loginFirst(self) ?? getTicketOrder(id, { silent: true }), { when: 'show' })
  const [busy, setBusy] = useState(false)
  const [sheet, ask] = useConfirm()

  async function pay(o: TicketOrder) {
    const todo = due(o)
    if (busy || todo.length === 0) return
    const amount = todo.reduce((sum, p) => sum + p.amount_fen, 0)
    const ok = await ask({
      title: t('tourism.payConfirm'),
      amount: `¥${yuan(amount)}`,
      body: `${o.spot_name} · ${o.ends_at ? chinaRange(o.starts_at, o.ends_at) : o.day} · ${t('tourism.ticketsCount', { n: todo.length })}`,
      confirmText: t('tourism.payButton'),
      testId: 'pay-confirm',
    })
    if (!ok) return
    setBusy(true)
    try {
      for (const p of todo) {
        // the order's own parameters when the route sent them, else the payment order's (pending)
        const payment = p.pay_params ? null : await getPayment(p.order_id, { silent: true })
        const params = p.pay_params ?? payment?.pay_params
        if (!params) throw new ApiError(0, 'payment_not_started', t('tourism.payMissing'))
        await payOrder({ ...(payment ?? {}), pay_params: params } as Parameters<typeof payOrder>[0])
      }
      Taro.showToast({ title: t('tourism.paid'), icon: 'success' })
      await Taro.redirectTo({ url: `/pages/tourism/order?id=${o.id}` })
    } catch (err) {
      if (err instanceof ApiError) showError(err)
      else Taro.showToast({ title: t('tourism.payFailed'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-tourism-pay' title={t('tourism.pay')} className='page--action'>
      {sheet}
      <LoadState load={order} testId='tourism-pay'>
        {(o) => {
          const todo = due(o)
          const amount = todo.reduce((sum, p) => sum + p.amount_fen, 0)
          const sandbox = todo.some((p) => p.pay_params && isSandboxPay(p.pay_params as unknown as PayParams))
          return (
            <>
              <View className='card' data-testid='pay-sheet'>
                <Text className='caption muted block center'>{t('tourism.payAmount')}</Text>
                <Text className='pay__amount' data-testid='pay-amount'>¥{yuan(amount)}</Text>
                <Text className='body block center'>{`${o.spot_name} · ${o.ends_at ? chinaRange(o.starts_at, o.ends_at) : o.day}`}</Text>
                <Text className='caption muted block center'>{t('tourism.payWithin')}</Text>
                {sandbox && <View className='sandbox-note' data-testid='sandbox-note'>{t('appt.sandboxPay')}</View>}
                {todo.length === 0 && <Text className='body block center' data-testid='pay-nothing'>{t('tourism.payNothing')}</Text>}
              </View>
              <View className='card'>
                {o.tickets.map((tk) => (
                  <View key={tk.id} className='tour-line' data-testid='pay-ticket' data-state={tk.state}>
                    <View className='tour-line__head'>
                      <Text className='list__title'>{tk.name_masked ?? tk.document_masked}</Text>
                      <Text className={`tour-amount ${tk.amount_fen === 0 ? 'tour-amount--free' : ''}`}>{tk.amount_fen === 0 ? t('tourism.free') : `¥${yuan(tk.amount_fen)}`}</Text>
                    </View>
                    <Text className='caption block'>{`${labelOf(t, tk.category, tk.category_label, 'tourism.category')} · ${labelOf(t, tk.state, tk.state_label, 'tourism.ticketState')}`}</Text>
                  </View>
                ))}
              </View>
              <View className='action-bar'>
                {todo.length > 0 ? (
                  <View className={`btn btn--wechat btn--block ${busy ? 'btn--busy' : ''}`} data-testid='pay-submit' onClick={() => pay(o)}>
                    {t('tourism.payTotal', { amount: yuan(amount) })}
                  </View>
                ) : (
                  <View className='btn btn--primary btn--block' data-testid='pay-done' onClick={() => Taro.redirectTo({ url: `/pages/tourism/order?id=${o.id}` })}>
                    {t('tourism.seeOrder')}
                  </View>
                )}
              </View>
            </>
          )
        }}
      </LoadState>
    </PageShell>
  )
}
