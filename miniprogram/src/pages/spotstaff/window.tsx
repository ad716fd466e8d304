import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import Segmented from '../../components/Segmented'
import KV from '../../components/KV'
import DocumentVisitorForm, { type DocumentVisitor } from '../../components/DocumentVisitor'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { requireStaff } from '../../components/staffAuth'
import { ApiError, getSpotDay, windowSale, type TicketOrder } from '../../api'
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
 */
export default function WindowSales() {
  const t = useT()
  const spot = decodeURIComponent(useRouter().params.spot ?? '')
  const self = `/pages/spotstaff/window?spot=${encodeURIComponent(spot)}`
  const today = chinaToday()
  const day = useLoad(() => (requireStaff(self) ? getSpotDay(spot, today, { silent: true }) : new Promise<never>(() => undefined)), { when: 'show' })
  const [slot, setSlot] = useState<number | null>(null)
  const [visitors, setVisitors] = useState<DocumentVisitor[]>([])
  const [paidBy, setPaidBy] = useState<PaidBy>('cash')
  const [busy, setBusy] = useState(false)
  const [sold, setSold] = useState<TicketOrder | null>(null)
  const [refused, setRefused] = useState<{ code: string; message: string } | null>(null)
  const [sheet, ask] = useConfirm()

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
      setVisitors([])
      day.reload()
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) setRefused({ code: err.code, message: err.message })
      else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-spotstaff-window' title={t('spotstaff.window')} className='page--action'>
      {sheet}
      <StaffHero back={self} />
      <View className='card card--overlap'>
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

      {refused && (
        <View className='card card--warn' data-testid='window-refused' data-code={refused.code}>
          <Text className='body block'>{refused.message}</Text>
        </View>
      )}
      {sold && (
        <View className='card' data-testid='window-sold' data-id={sold.id}>
          <Text className='card__title'>{t('spotstaff.sold')}</Text>
          <View className='kv'>
            <KV k={t('tourism.visitTime')}>{`${chinaParts(sold.starts_at).date} ${chinaParts(sold.starts_at).time}`}</KV>
            <KV k={t('spotstaff.collect')} testId='window-total'>{`¥${yuan(sold.total_fen)}`}</KV>
          </View>
          {sold.tickets.map((tk) => (
            <Text key={tk.id} className='caption block' data-testid='window-ticket'>
              {`${tk.name_masked ?? tk.document_masked} · ${labelOf(t, tk.category, tk.category_label, 'tourism.category')} · ¥${yuan(tk.amount_fen)} · ${labelOf(t, tk.state, tk.state_label, 'tourism.ticketState')}`}
            </Text>
          ))}
        </View>
      )}

      <View className='action-bar'>
        <View className={`btn btn--primary btn--block ${busy || visitors.length === 0 ? 'btn--busy' : ''}`} data-testid='window-sell' onClick={sell}>
          {t('spotstaff.sell')}
        </View>
      </View>
    </PageShell>
  )
}
