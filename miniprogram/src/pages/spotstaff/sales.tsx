import Taro, { useRouter } from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import Segmented from '../../components/Segmented'
import ChipSelect from '../../components/ChipSelect'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireStaff } from '../../components/staffAuth'
import { ApiError, DOCUMENT_KINDS, type DocumentKind } from '../../api'
import { findWindowSale, windowSales, type SaleLookup, type WindowSale, type WindowSales } from '../../api/windowsales'
import { useT } from '../../i18n'
import { chinaParts, chinaToday, yuan } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import '../appointments/appointments.css'
import './spotstaff.css'

type By = 'document' | 'ticket' | 'order'
const PAGE = 20

/**
 * 今日售票: the window's sales of today (newest first, 20 at a time), and one found again by the
 * visitor's document, a ticket's number or the sale's number. A sale opens on the window page
 * (`window?sale=`), whose 退票 previews what comes back and cancels (cash handed back at the counter).
 */
export default function WindowSalesPage() {
  const t = useT()
  const spot = decodeURIComponent(useRouter().params.spot ?? '')
  const self = `/pages/spotstaff/sales?spot=${encodeURIComponent(spot)}`
  const [more, setMore] = useState<WindowSale[]>([])
  // a failed 加载更多 is said beside its button, not in the search card
  const [moreError, setMoreError] = useState('')
  const list = useLoad<WindowSales>(
    async () => {
      if (!requireStaff(self)) return new Promise<never>(() => undefined)
      setMore([])
      setMoreError('')
      return windowSales(spot, { day: chinaToday(), limit: PAGE })
    },
    { when: 'show' },
  )
  const [by, setBy] = useState<By>('document')
  const [kind, setKind] = useState<DocumentKind>('resident_id')
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [refused, setRefused] = useState<{ code: string; message: string } | null>(null)

  const open = (id: number) => Taro.navigateTo({ url: `/pages/spotstaff/window?spot=${encodeURIComponent(spot)}&sale=${id}` })

  async function find() {
    const value = typed.trim()
    if (!value || busy) {
      if (!value) Taro.showToast({ title: t('spotstaff.findTyped'), icon: 'none' })
      return
    }
    let lookup: SaleLookup
    if (by === 'order') {
      if (!/^\d{1,15}$/.test(value)) {
        setRefused({ code: 'bad_format', message: t('spotstaff.findOrderDigits') })
        return
      }
      lookup = { order_id: Number(value) }
    } else if (by === 'ticket') lookup = { ticket_code: value.toUpperCase() }
    else lookup = { document_kind: kind, document_number: value.toUpperCase() }
    setBusy(true)
    setRefused(null)
    try {
      const found = await findWindowSale(spot, lookup)
      setTyped('')
      open(found.id)
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) setRefused({ code: err.code, message: err.message })
      else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  async function loadMore(shown: number) {
    if (busy) return
    setBusy(true)
    setMoreError('')
    try {
      const next = await windowSales(spot, { day: chinaToday(), limit: PAGE, offset: shown })
      setMore((m) => [...m, ...next.items])
    } catch (err) {
      setMoreError(err instanceof ApiError && err.status > 0 ? err.message : t('common.networkError'))
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-spotstaff-sales' title={t('spotstaff.sales')}>
      <StaffHero back={self} />
      <View className='card card--overlap' data-testid='sales-find'>
        <Text className='card__title'>{t('spotstaff.findSale')}</Text>
        <Segmented testIdPrefix='sales-find-by' value={by} onChange={setBy} options={(['document', 'ticket', 'order'] as const).map((b) => ({ value: b, label: t(`spotstaff.findBy.${b}`) }))} />
        {by === 'document' && <ChipSelect testIdPrefix='sales-doc-kind' value={kind} onChange={setKind} options={DOCUMENT_KINDS.map((k) => ({ value: k, label: t(`tourism.document.${k}`) }))} />}
        <View className='field'>
          <Input className='field__input mono' data-testid='sales-find-number' value={typed} maxlength={32} placeholder={t(`spotstaff.findHint.${by}`)} onInput={(e) => setTyped(e.detail.value)} onConfirm={find} />
        </View>
        <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='sales-find-submit' onClick={find}>
          {t('spotstaff.find')}
        </View>
      </View>
      {refused && (
        <View className='card card--warn' data-testid='sales-find-refused' data-code={refused.code}>
          <Text className='body block'>{refused.message}</Text>
        </View>
      )}

      <View className='card' data-testid='sales-list'>
        <Text className='card__title'>{t('spotstaff.salesToday')}</Text>
        <LoadState load={list} testId='sales' card={false} isEmpty={(d) => d.items.length === 0} empty={t('spotstaff.noSalesToday')}>
          {(d) => {
            const shown = [...d.items, ...more.filter((m) => !d.items.some((x) => x.id === m.id))]
            return (
              <>
                <Text className='caption muted block' data-testid='sales-total' data-total={d.total}>
                  {t('spotstaff.salesCount', { n: d.total })}
                </Text>
                {shown.map((s) => (
                  <View key={s.id} className='list__row' data-testid='window-sale' data-id={s.id} data-paid-by={s.paid_by} data-cancellable={s.cancellable ? 'true' : 'false'} onClick={() => open(s.id)}>
                    <View className='list__main'>
                      <Text className='list__title block'>
                        {`${chinaParts(s.sold_at).time} · ${labelOf(t, s.paid_by, s.paid_by_label, 'spotstaff.paidBy')} · ¥${yuan(s.total_fen)}`}
                      </Text>
                      {s.tickets.map((tk) => (
                        <Text key={tk.id} className='caption block' data-testid='window-sale-ticket' data-state={tk.state}>
                          {`${tk.name_masked ? `${tk.name_masked} · ${tk.document_masked}` : tk.document_masked} · ${labelOf(t, tk.category, tk.category_label, 'tourism.category')} · ¥${yuan(tk.amount_fen)} · ${labelOf(t, tk.state, tk.state_label, 'tourism.ticketState')}`}
                        </Text>
                      ))}
                      <Text className='caption muted block'>{`#${s.id}${s.seller_name ? ` · ${t('spotstaff.soldBy', { who: s.seller_name })}` : ''}`}</Text>
                    </View>
                    <Text className='list__arrow'>›</Text>
                  </View>
                ))}
                {shown.length < d.total && (
                  <View className={`btn btn--ghost btn--block ${busy ? 'btn--busy' : ''}`} data-testid='sales-more' onClick={() => loadMore(shown.length)}>
                    {t('spotstaff.moreSales')}
                  </View>
                )}
                {moreError && (
                  <Text className='body block bad-text' data-testid='sales-more-error'>
                    {moreError}
                  </Text>
                )}
              </>
            )
          }}
        </LoadState>
      </View>
    </PageShell>
  )
}
