import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { loginFirst } from '../../components/auth'
import {
  ApiError,
  cancelTicket,
  cancelTicketOrder,
  getTicketOrder,
  LIVE_TICKET_STATES,
  refundPreview,
  showError,
  type RefundPreview,
  type TicketOrder,
  type TicketOut,
} from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { chinaDateTime, chinaParts, chinaRange, yuan } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import { priceText } from './money'
import StandingCard from './StandingCard'
import '../office/office.css'
import './tourism.css'

/**
 * One ticket order: the spot, day and slot, how it was sold, and each ticket (the visitor masked, the
 * category and why, the amount, the state). A confirmed ticket opens its QR; a live ticket can be
 * cancelled on its own (退票: the sheet shows what comes back under the spot's tiers, asked from the
 * server first), or the whole order. 投诉 files a complaint about this order.
 */
export default function TourismOrder() {
  const t = useT()
  const locale = useLocale()
  const id = Number(useRouter().params.id)
  const order = useLoad(() => loginFirst(`/pages/tourism/order?id=${id}`) ?? getTicketOrder(id, { silent: true }), { when: 'show', deps: [locale] })
  const [busy, setBusy] = useState(false)
  const [sheet, ask] = useConfirm()

  /** What cancelling now gives back (asked afresh: the tier may have changed since the page loaded). */
  async function preview(tk: TicketOut): Promise<RefundPreview | null> {
    try {
      const p = await refundPreview(tk.id, { silent: true })
      if (p.cancellable === false) {
        Taro.showToast({ title: p.refusal_label ?? t('tourism.cannotCancel'), icon: 'none' })
        return null
      }
      return p
    } catch (err) {
      if (err instanceof ApiError) showError(err)
      return null
    }
  }

  /** Cancel (a ticket or the order), then show the order as it is now; a refusal in the server's words. */
  async function cancelling(cancel: () => Promise<unknown>) {
    setBusy(true)
    try {
      await cancel()
      Taro.showToast({ title: t('tourism.cancelled'), icon: 'success' })
      await order.reload()
    } catch (err) {
      if (err instanceof ApiError) showError(err)
    } finally {
      setBusy(false)
    }
  }

  async function cancelOne(tk: TicketOut) {
    if (busy) return
    const p = await preview(tk)
    if (!p) return
    const ok = await ask({
      title: t('tourism.cancelTicketTitle', { who: tk.name_masked ?? tk.document_masked }),
      amount: tk.amount_fen > 0 ? `¥${yuan(p.refund_fen)}` : undefined,
      body: tk.amount_fen > 0 ? [p.kind_label, t('tourism.refundBody', { refund: yuan(p.refund_fen), paid: yuan(p.paid_fen ?? 0) })].filter(Boolean).join(' ') : t('tourism.cancelFreeBody'),
      confirmText: t('tourism.cancelTicket'),
      cancelText: t('common.notNow'),
      danger: true,
      testId: 'cancel-ticket',
    })
    if (ok) await cancelling(() => cancelTicket(tk.id))
  }

  async function cancelAll(o: TicketOrder) {
    if (busy) return
    const live = o.tickets.filter((tk) => LIVE_TICKET_STATES.includes(tk.state))
    const previews = await Promise.all(live.map(preview))
    if (previews.some((p) => p === null)) return
    const refund = previews.reduce((sum, p) => sum + (p?.refund_fen ?? 0), 0)
    const ok = await ask({
      title: t('tourism.cancelOrderTitle'),
      amount: o.total_fen > 0 ? `¥${yuan(refund)}` : undefined,
      body: o.total_fen > 0 ? t('tourism.cancelOrderBody', { n: live.length, refund: yuan(refund) }) : t('tourism.cancelFreeBody'),
      confirmText: t('tourism.cancelOrder'),
      cancelText: t('common.notNow'),
      danger: true,
      testId: 'cancel-order',
    })
    if (ok) await cancelling(() => cancelTicketOrder(o.id))
  }

  return (
    <PageShell testId='page-tourism-order' title={order.data?.spot_name ?? t('tourism.order')}>
      {sheet}
      <LoadState load={order} testId='ticket-order'>
        {(o) => {
          const live = o.tickets.filter((tk) => LIVE_TICKET_STATES.includes(tk.state))
          const held = o.tickets.some((tk) => tk.state === 'held')
          return (
            <>
              <View className='card' data-testid='order-head' data-id={o.id}>
                <Text className='item-title block'>{o.spot_name}</Text>
                <View className='kv'>
                  <KV k={t('tourism.visitTime')} testId='order-time'>{o.ends_at ? chinaRange(o.starts_at, o.ends_at) : `${chinaParts(o.starts_at).date} ${chinaParts(o.starts_at).time}`}</KV>
                  <KV k={t('tourism.channel')}>{labelOf(t, o.channel, o.channel_label, 'tourism.channel')}</KV>
                  <KV k={t('tourism.total')} testId='order-total'>{priceText(t, o.total_fen)}</KV>
                </View>
                {held && (
                  <View className='btn btn--wechat btn--block' data-testid='order-pay' onClick={() => Taro.navigateTo({ url: `/pages/tourism/pay?id=${o.id}` })}>
                    {t('tourism.goPay')}
                  </View>
                )}
              </View>
              {o.tickets.map((tk) => (
                <View key={tk.id} className='card' data-testid='ticket' data-id={tk.id} data-state={tk.state} data-category={tk.category} data-amount={tk.amount_fen}>
                  <View className='card__head card__head--top'>
                    <Text className='list__title'>{tk.name_masked ?? tk.document_masked}</Text>
                    <Text className={`chip ${tk.state === 'confirmed' ? 'chip--ok' : tk.state === 'held' ? 'chip--warn' : 'chip--muted'}`} data-testid='ticket-state'>
                      {labelOf(t, tk.state, tk.state_label, 'tourism.ticketState')}
                    </Text>
                  </View>
                  <View className='kv'>
                    <KV k={t('tourism.document')}>{`${labelOf(t, tk.document_kind, tk.document_kind_label, 'tourism.document')} ${tk.document_masked}`}</KV>
                    <KV k={t('tourism.category')} testId='ticket-category'>{labelOf(t, tk.category, tk.category_label, 'tourism.category')}</KV>
                    <KV k={t('tourism.amount')} testId='ticket-amount'>{priceText(t, tk.amount_fen)}</KV>
                    {tk.used_at && <KV k={t('tourism.usedAt')}>{chinaDateTime(tk.used_at)}</KV>}
                  </View>
                  <Text className='caption muted block' data-testid='ticket-explanation'>{tk.explanation}</Text>
                  <View className='tour-actions'>
                    {tk.state === 'confirmed' && (
                      <View className='btn btn--primary btn--small' data-testid='ticket-qr' onClick={() => Taro.navigateTo({ url: `/pages/tourism/ticket?id=${tk.id}&order=${o.id}` })}>
                        {t('tourism.showQr')}
                      </View>
                    )}
                    {LIVE_TICKET_STATES.includes(tk.state) && (
                      <View className={`btn btn--danger-ghost btn--small ${busy ? 'btn--busy' : ''}`} data-testid='ticket-cancel' onClick={() => cancelOne(tk)}>
                        {t('tourism.cancelTicket')}
                      </View>
                    )}
                  </View>
                </View>
              ))}
              <StandingCard spot={o.spot} />
              <View className='card'>
                {live.length > 1 && (
                  <View className={`btn btn--danger-ghost btn--block ${busy ? 'btn--busy' : ''}`} data-testid='order-cancel' onClick={() => cancelAll(o)}>
                    {t('tourism.cancelOrder')}
                  </View>
                )}
                {o.tickets.some((tk) => tk.state === 'used') && o.channel !== 'window' && (
                  <View
                    className='btn btn--primary btn--block'
                    data-testid='order-rate'
                    onClick={() => Taro.navigateTo({ url: `/pages/evaluations/new?target_type=spot_visit&target_id=${o.id}` })}
                  >
                    {t('tourism.rateVisit')}
                  </View>
                )}
                <View className='btn btn--ghost btn--block' data-testid='order-complain' onClick={() => Taro.navigateTo({ url: `/pages/tourism/complaints?order=${o.id}` })}>
                  {t('tourism.complain')}
                </View>
              </View>
            </>
          )
        }}
      </LoadState>
    </PageShell>
  )
}
