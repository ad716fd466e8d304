import Taro, { useDidHide, useDidShow, useRouter } from '@tarojs/taro'
import { Image, Text, View } from '@tarojs/components'
import { useEffect, useRef, useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import Segmented from '../../components/Segmented'
import KV from '../../components/KV'
import DocumentVisitorForm, { type DocumentVisitor } from '../../components/DocumentVisitor'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { requireStaff } from '../../components/staffAuth'
import { ApiError, getSpotDay, LIVE_TICKET_STATES, showError, windowSale, type RefundPreview, type TicketOrder, type TicketOut } from '../../api'
import { windowCancelSale, windowCancelTicket, windowRefundPreview } from '../../api/windowrefund'
import { windowPayCodes, windowPayState, type WindowPay } from '../../api/windowpay'
import { windowSaleById } from '../../api/windowsales'
import { svgDataUri } from '../../components/CredentialQr'
import { platform } from '../../platform'
import { useT } from '../../i18n'
import { chinaParts, chinaToday, yuan } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import '../appointments/appointments.css'
import './spotstaff.css'

type PaidBy = 'cash' | 'wechat'

/**
 * 窗口售票 (the 2024 rule: every spot keeps a manual window): staff sell today's entries to walk-ins
 * by their documents, from the share kept for the window first; a slot of today, or the current or
 * next one when none is chosen; paid in cash (confirmed at once) or by WeChat Pay. The sale's
 * tickets and what to collect are shown after it; refusals (the day full, stop selling) in words.
 * 退票 on a live ticket of the sale (or the whole sale) previews what comes back by the order's
 * rules, then cancels: cash is handed back at the counter, WeChat Pay refunded by payments.
 * 今日售票 (`sales`) lists the day's sales and finds an earlier one; it opens here as `?sale=<id>`,
 * with the same 退票 (and, a WeChat sale still unpaid, its codes).
 */
export default function WindowSales() {
  const t = useT()
  const params = useRouter().params
  const spot = decodeURIComponent(params.spot ?? '')
  const opened = Number(params.sale ?? 0) || null
  // a sale opened from 今日售票 stays in the path a login comes back to
  const self = `/pages/spotstaff/window?spot=${encodeURIComponent(spot)}${opened !== null ? `&sale=${opened}` : ''}`
  const today = chinaToday()
  const day = useLoad(() => (requireStaff(self) ? getSpotDay(spot, today, { silent: true }) : new Promise<never>(() => undefined)), { when: 'show' })
  const [slot, setSlot] = useState<number | null>(null)
  const [visitors, setVisitors] = useState<DocumentVisitor[]>([])
  const [paidBy, setPaidBy] = useState<PaidBy>('cash')
  const [busy, setBusy] = useState(false)
  const [sold, setSold] = useState<TicketOrder | null>(null)
  // cash handed back by the last 退票 of a cash sale (shown until the next sale or 退票)
  const [cashBack, setCashBack] = useState<number | null>(null)
  const [refused, setRefused] = useState<{ code: string; message: string } | null>(null)
  const [sheet, ask] = useConfirm()
  // WeChat Pay at the window: each priced ticket's code (a QR the visitor scans with WeChat), polled
  // until the sale is settled (paid, or its payments ended); every 5th poll asks WeChat Pay itself.
  const [pay, setPay] = useState<WindowPay | null>(null)
  const [payFailed, setPayFailed] = useState(false)
  const [visible, setVisible] = useState(true)
  useDidShow(() => setVisible(true))
  useDidHide(() => setVisible(false))

  // the day's places change once, when a sale turns settled: not on every poll after (confirming)
  const settledOf = useRef<{ id: number; settled: boolean } | null>(null)
  function paid(next: WindowPay) {
    setPay(next)
    setSold((s) => (s && s.id === next.id ? { ...s, tickets: next.tickets, payments: next.payments } : s))
    const was = settledOf.current
    settledOf.current = { id: next.id, settled: next.settled }
    if (next.settled && !(was !== null && was.id === next.id && was.settled)) day.reload()
  }

  async function showCodes(orderId: number) {
    setPayFailed(false)
    try {
      paid(await windowPayCodes(spot, orderId))
    } catch (err) {
      setPayFailed(true)
      if (err instanceof ApiError && err.status > 0) setRefused({ code: err.code, message: err.message })
      else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    }
  }

  // settled, a paid ticket is confirmed by the payment's outbox job a moment later: polled until it shows
  const confirming = pay !== null && pay.payments.some((p) => p.state === 'paid' && pay.tickets.some((tk) => tk.id === p.ticket_id && tk.state === 'held'))
  const polling = pay !== null && (!pay.settled || confirming) && visible
  useEffect(() => {
    if (!polling || pay === null) return undefined
    const orderId = pay.id
    let tick = 0
    const timer = setInterval(() => {
      tick += 1
      windowPayState(spot, orderId, tick % 5 === 0).then(paid, () => undefined)
    }, 3000)
    return () => clearInterval(timer)
    // restarted only when polling starts or stops, or another sale's codes are shown
  }, [polling, pay?.id])

  async function sandboxPay(url: string) {
    if (pay === null) return
    try {
      await platform.requestPayment({ sandbox: true, complete_url: url })
      paid(await windowPayState(spot, pay.id))
    } catch {
      Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    }
  }

  // an earlier sale opened from 今日售票: shown as a sale just made (a WeChat one still unpaid, its codes)
  const openedSale = useLoad(
    async () => {
      if (opened === null || !requireStaff(self)) return new Promise<never>(() => undefined)
      const o = await windowSaleById(spot, opened)
      setSold(o)
      if (o.paid_by === 'wechat' && o.tickets.some((tk) => tk.state === 'held')) void showCodes(o.id)
      return o
    },
    { skip: opened === null },
  )

  /** 退票 at the window: what comes back now (asked of the server: the order's refund rules), or why not. */
  async function refundOf(tk: TicketOut): Promise<RefundPreview | null> {
    try {
      const p = await windowRefundPreview(spot, tk.id)
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

  /** Cancel one live ticket of the sale, or all of them (`tk` null), after the preview is confirmed:
   * cash is handed back at the counter, WeChat Pay refunded by payments. */
  async function refund(o: TicketOrder, tk: TicketOut | null) {
    if (busy) return
    const live = tk ? [tk] : o.tickets.filter((x) => LIVE_TICKET_STATES.includes(x.state))
    const previews = await Promise.all(live.map(refundOf))
    if (previews.some((p) => p === null)) return
    const back = previews.reduce((sum, p) => sum + (p?.refund_fen ?? 0), 0)
    const paidFen = previews.reduce((sum, p) => sum + (p?.paid_fen ?? 0), 0)
    const priced = live.some((x) => x.amount_fen > 0)
    const money = { refund: yuan(back), paid: yuan(paidFen) }
    const ok = await ask({
      title: tk ? t('tourism.cancelTicketTitle', { who: tk.name_masked ?? tk.document_masked }) : t('tourism.cancelOrderTitle'),
      amount: priced ? `¥${yuan(back)}` : undefined,
      body: !priced ? t('tourism.cancelFreeBody') : o.paid_by === 'cash' ? t('spotstaff.cashBack', money) : t('tourism.refundBody', money),
      confirmText: tk ? t('tourism.cancelTicket') : t('tourism.cancelOrder'),
      cancelText: t('common.notNow'),
      danger: true,
      testId: 'window-refund',
    })
    if (!ok) return
    setBusy(true)
    try {
      const now = tk ? await windowCancelTicket(spot, tk.id) : await windowCancelSale(spot, o.id)
      setSold(now)
      setCashBack(o.paid_by === 'cash' && priced ? back : null)
      Taro.showToast({ title: t('tourism.cancelled'), icon: 'success' })
      day.reload()
      // the WeChat card of this sale says what its payments are now (closed or refunded by the 退票)
      if (pay !== null && pay.id === o.id) windowPayState(spot, o.id).then(paid, () => setPay(null))
    } catch (err) {
      if (err instanceof ApiError) showError(err)
    } finally {
      setBusy(false)
    }
  }

  async function sell() {
    if (busy) return
    if (visitors.length === 0) {
      Taro.showToast({ title: t('tourism.pickVisitors'), icon: 'none' })
      return
    }
    const ok = await ask({
      title: t('spotstaff.sellConfirm', { n: visitors.length }),
      body: t(paidBy === 'cash' ? 'spotstaff.cashBody' : 'spotstaff.wechatBody'),
      confirmText: t('spotstaff.sell'),
      testId: 'sell-confirm',
    })
    if (!ok) return
    setBusy(true)
    setRefused(null)
    try {
      const order = await windowSale(spot, { slot_id: slot ?? undefined, visitors, paid_by: paidBy })
      setSold(order)
      setCashBack(null)
      setPay(null)
      if (paidBy === 'wechat' && order.payments.length > 0) void showCodes(order.id)
      setVisitors([])
      day.reload()
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) setRefused({ code: err.code, message: err.message })
      else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  // the sale just made, or an earlier one opened from 今日售票 (then first on the page), with its 退票
  // and, paid by WeChat, its codes
  const saleCards = (
    <>
      {refused && (
        <View className='card card--warn' data-testid='window-refused' data-code={refused.code}>
          <Text className='body block'>{refused.message}</Text>
        </View>
      )}
      {sold && (
        <View className={`card ${opened !== null ? 'card--overlap' : ''}`} data-testid='window-sold' data-id={sold.id}>
          <Text className='card__title'>{sold.id === opened ? t('spotstaff.saleNo', { id: sold.id }) : t('spotstaff.sold')}</Text>
          <View className='kv'>
            <KV k={t('tourism.visitTime')}>{`${chinaParts(sold.starts_at).date} ${chinaParts(sold.starts_at).time}`}</KV>
            <KV k={t('spotstaff.collect')} testId='window-total'>{`¥${yuan(sold.total_fen)}`}</KV>
          </View>
          {sold.tickets.map((tk) => (
            <View key={tk.id} className='list__row' data-testid='window-ticket-row' data-state={tk.state}>
              <Text className='caption list__main' data-testid='window-ticket'>
                {`${tk.name_masked ?? tk.document_masked} · ${labelOf(t, tk.category, tk.category_label, 'tourism.category')} · ¥${yuan(tk.amount_fen)} · ${labelOf(t, tk.state, tk.state_label, 'tourism.ticketState')}`}
              </Text>
              {LIVE_TICKET_STATES.includes(tk.state) && (
                <Text className='link link--danger' data-testid='window-refund-ticket' onClick={() => refund(sold, tk)}>
                  {t('tourism.cancelTicket')}
                </Text>
              )}
            </View>
          ))}
          {cashBack !== null && (
            <Text className='body block' data-testid='window-cash-back' data-amount={cashBack}>
              {t('spotstaff.cashHandBack', { amount: yuan(cashBack) })}
            </Text>
          )}
          {sold.tickets.filter((tk) => LIVE_TICKET_STATES.includes(tk.state)).length > 1 && (
            <Text className='link link--danger block' data-testid='window-refund-sale' onClick={() => refund(sold, null)}>
              {t('tourism.cancelOrder')}
            </Text>
          )}
        </View>
      )}

      {pay && sold && pay.id === sold.id && (
        <View className='card' data-testid='window-pay' data-settled={pay.settled ? '1' : '0'}>
          {pay.codes.length > 0 && <Text className='card__title'>{t('spotstaff.payCodes')}</Text>}
          {pay.codes.map((c) => (
            <View key={c.payment_id} className='window-pay__code' data-testid='window-pay-code' data-payment-id={c.payment_id}>
              <Image className='credential__qr' src={svgDataUri(c.svg)} mode='scaleToFill' data-testid='window-pay-qr' />
              <Text className='caption block'>
                {t('spotstaff.payCode', { n: pay.tickets.findIndex((tk) => tk.id === c.ticket_id) + 1, amount: yuan(c.amount_fen) })}
              </Text>
              {c.sandbox_pay_url && (
                <View className='btn btn--ghost' data-testid='window-pay-sandbox' onClick={() => sandboxPay(c.sandbox_pay_url as string)}>
                  {t('spotstaff.sandboxPay')}
                </View>
              )}
            </View>
          ))}
          <Text className='body block' data-testid='window-pay-status'>
            {!pay.settled
              ? t('spotstaff.waitingPay')
              : pay.payments.every((p) => p.state === 'paid')
                ? t('spotstaff.allPaid')
                : // "not paid in time" only for a ticket that lapsed unpaid, not one a 退票 cancelled
                  pay.tickets.some((tk) => tk.state === 'lapsed')
                  ? t('spotstaff.payEnded')
                  : ''}
          </Text>
        </View>
      )}
      {payFailed && sold && (
        <View className='card'>
          <View className='btn btn--ghost btn--block' data-testid='window-pay-retry' onClick={() => showCodes(sold.id)}>
            {t('spotstaff.showCodes')}
          </View>
        </View>
      )}
    </>
  )

  return (
    <PageShell testId='page-spotstaff-window' title={t('spotstaff.window')} className='page--action'>
      {sheet}
      <StaffHero back={self} />
      {opened !== null && (
        <LoadState load={openedSale} testId='window-opened'>
          {() => saleCards}
        </LoadState>
      )}
      <View className={`card ${opened === null ? 'card--overlap' : ''}`}>
        <Text className='card__title'>{t('spotstaff.slotToday')}</Text>
        <LoadState load={day} testId='window-day' card={false} isEmpty={(d) => d.slots.length === 0} empty={t('spotstaff.noSlotsToday')}>
          {(d) => (
            <>
              <Text className='caption muted block' data-testid='window-left'>{t('spotstaff.dayLeft', { left: d.left, capacity: d.capacity })}</Text>
              <View className='chips'>
                <View className={`chips__item ${slot === null ? 'chips__item--on' : ''}`} data-testid='window-slot-auto' onClick={() => setSlot(null)}>
                  {t('spotstaff.slotAuto')}
                </View>
                {/* the slots still to begin (the server's `started`, not this device's clock); the one
                    under way is sold through 当前时段, which the server picks */}
                {d.slots
                  .filter((s) => !s.started)
                  .map((s) => (
                    <View key={s.slot_id} className={`chips__item ${slot === s.slot_id ? 'chips__item--on' : ''}`} data-testid='window-slot' data-slot-id={s.slot_id} onClick={() => setSlot(s.slot_id)}>
                      {`${chinaParts(s.starts_at).time}–${chinaParts(s.ends_at).time}`}
                    </View>
                  ))}
              </View>
            </>
          )}
        </LoadState>
      </View>

      <View className='card' data-testid='window-visitors'>
        <Text className='card__title'>{t('spotstaff.visitors', { n: visitors.length })}</Text>
        {visitors.map((v, i) => (
          <View key={i} className='list__row' data-testid='window-visitor'>
            <View className='list__main'>
              <Text className='list__title block' data-user-text>{v.name}</Text>
              <Text className='caption muted block'>{t(`tourism.document.${v.document_kind}`)}</Text>
            </View>
            <Text className='link link--danger' onClick={() => setVisitors((list) => list.filter((_, j) => j !== i))}>
              {t('tourism.remove')}
            </Text>
          </View>
        ))}
        <DocumentVisitorForm testId='walk-in' submitText={t('spotstaff.addVisitor')} onAdd={(v) => setVisitors((list) => [...list, v])} />
      </View>

      <View className='card'>
        <Text className='card__title'>{t('spotstaff.paidBy')}</Text>
        <Segmented testIdPrefix='paid-by' value={paidBy} onChange={setPaidBy} options={(['cash', 'wechat'] as const).map((p) => ({ value: p, label: t(`spotstaff.paidBy.${p}`) }))} />
      </View>

      {opened === null && saleCards}

      <View className='card card--link' data-testid='window-sales-link' onClick={() => Taro.navigateTo({ url: `/pages/spotstaff/sales?spot=${encodeURIComponent(spot)}` })}>
        <View className='setting__text'>
          <Text className='setting__label'>{t('spotstaff.sales')}</Text>
          <Text className='caption muted'>{t('spotstaff.sales.hint')}</Text>
        </View>
        <Text className='list__arrow'>›</Text>
      </View>

      <View className='action-bar'>
        <View className={`btn btn--primary btn--block ${busy || visitors.length === 0 ? 'btn--busy' : ''}`} data-testid='window-sell' onClick={sell}>
          {t('spotstaff.sell')}
        </View>
      </View>
    </PageShell>
  )
}
