import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import DayStrip, { type DayInfo } from '../../components/DayStrip'
import DocumentVisitorForm, { type DocumentVisitor } from '../../components/DocumentVisitor'
import LoadState, { useLoad } from '../../components/LoadState'
import { loginFirst } from '../../components/auth'
import {
  ApiError,
  canActFor,
  createTicketOrder,
  FULL_CODES,
  getSpot,
  getSpotDay,
  joinWaitlist,
  lineFen,
  listFamily,
  quote,
  quoteLines,
  type FamilyMember,
  type Quote,
  type Slot,
  type VisitorIn,
} from '../../api'
import { useT } from '../../i18n'
import { addDays, chinaParts, chinaToday } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import { priceText } from './money'
import StandingCard from './StandingCard'
import '../office/office.css'
import '../appointments/appointments.css'
import './tourism.css'

/** How many days ahead a spot sells (BOOKING_DAYS, today included). */
const DAYS = 7

interface Refusal {
  code: string
  message: string
}

/** A slot as the spot's day lists it: `waitlisted` while people wait for it (its `left` is beyond what they are owed). */
type SpotSlot = Slot & { waitlisted?: boolean }

/** Refusals after which the waitlist is offered: full, or the places left are owed to those already waiting. */
const WAIT_CODES = [...FULL_CODES, 'slot_waitlisted']

/**
 * Book tickets: a day of the coming week and an entry slot (entries left; a full slot can be waited
 * for: 候补, as can one whose places are owed to people already waiting), the visitors (本人, family
 * members one may act for, companions by document), each visitor's price explained by the server for
 * the visit day, then the order: paid tickets go on to the pay page, free ones are confirmed at once.
 */
export default function TourismBook() {
  const t = useT()
  const params = useRouter().params
  const code = decodeURIComponent(params.code ?? '')
  const self = `/pages/tourism/book?code=${encodeURIComponent(code)}`
  const today = chinaToday()
  const spot = useLoad(() => loginFirst(self) ?? getSpot(code, { silent: true }), { when: 'mount' })
  const days = useLoad(
    async () => {
      const dates = Array.from({ length: DAYS }, (_, i) => addDays(today, i))
      const found = await Promise.all(dates.map((d) => getSpotDay(code, d, { silent: true }).catch(() => null)))
      return dates.map((date, i) => ({ date, view: found[i] }))
    },
    { when: 'show' },
  )
  // the discounts an e-certificate in the app proves (the server says which); the others are checked at the window
  const onlineClaims = (spot.data?.prices ?? []).filter((r) => r.proven_online)
  const family = useLoad(() => loginFirst(self) ?? listFamily({ silent: true }).catch(() => [] as FamilyMember[]), { when: 'show' })
  const [day, setDay] = useState<string | null>(params.date ?? null)
  const [slot, setSlot] = useState<SpotSlot | null>(null)
  const [chosen, setChosen] = useState<string[]>(['self'])
  const [companions, setCompanions] = useState<DocumentVisitor[]>([])
  const [adding, setAdding] = useState(false)
  // discounts that need proof, by visitor (self, m<id>): proven against the visitor's own e-certificates
  // when ordering; a companion's are checked at the window, so only the account's own people claim here
  const [claims, setClaims] = useState<Record<string, string[]>>({})
  const [claiming, setClaiming] = useState(false)
  const [priced, setPriced] = useState<{ quote: Quote | null; error: string | null; loading: boolean }>({ quote: null, error: null, loading: false })
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<Refusal | null>(null)

  const dayInfo: DayInfo[] = (days.data ?? []).map(({ date, view }) => ({
    date,
    // the server decides what has begun (its `bookable` is false for a started slot), not this device's clock
    status: !view ? 'closed' : view.slots.some((s) => s.bookable) ? 'open' : view.slots.some((s) => !s.started) ? 'full' : 'over',
  }))
  // the first day with places, unless one was chosen (or given by the link)
  useEffect(() => {
    if (!day && dayInfo.length) setDay(dayInfo.find((d) => d.status === 'open')?.date ?? null)
  }, [days.data])
  const slots: SpotSlot[] = days.data?.find((d) => d.date === day)?.view?.slots ?? []
  const members = (family.data ?? []).filter(canActFor)

  const claimsOf = (who: string) => claims[who] ?? []
  const visitors: VisitorIn[] = [
    ...chosen.map((c): VisitorIn => (c === 'self' ? { self: true, claims: claimsOf(c) } : { member_id: Number(c.slice(1)), claims: claimsOf(c) })),
    ...companions.map((c): VisitorIn => ({ ...c })),
  ]
  const names: string[] = [
    ...chosen.map((c) => (c === 'self' ? t('tourism.self') : members.find((m) => `m${m.id}` === c)?.name ?? '')),
    ...companions.map((c) => c.name),
  ]
  const key = JSON.stringify([day, visitors])

  // the price of each visitor on the visit day, asked again whenever the day or the visitors change
  useEffect(() => {
    if (!day || visitors.length === 0) {
      setPriced({ quote: null, error: null, loading: false })
      return
    }
    let live = true
    setPriced((p) => ({ ...p, loading: true, error: null }))
    quote(code, day, visitors)
      .then((q) => live && setPriced({ quote: q, error: null, loading: false }))
      .catch((err) => live && setPriced({ quote: null, error: err instanceof ApiError ? err.message : t('common.networkError'), loading: false }))
    return () => {
      live = false
    }
  }, [key])

  // not enough places for the visitors beyond those owed to the line: the line is the way in (nobody overtakes it)
  const waitsFor = (s: SpotSlot) => s.left === 0 || (!!s.waitlisted && s.left !== null && s.left < Math.max(visitors.length, 1))
  const full = !!slot && waitsFor(slot)
  const lines = priced.quote ? quoteLines(priced.quote) : []
  const total = priced.quote?.total_fen ?? lines.reduce((sum, l) => sum + lineFen(l), 0)

  function toggleClaim(who: string, claim: string) {
    setClaims((all) => {
      const now = all[who] ?? []
      return { ...all, [who]: now.includes(claim) ? now.filter((c) => c !== claim) : [...now, claim] }
    })
  }

  function toggle(value: string) {
    setChosen((c) => (c.includes(value) ? c.filter((v) => v !== value) : [...c, value]))
    setClaims((all) => ({ ...all, [value]: [] }))
  }

  async function submit() {
    if (busy) return
    if (!slot) {
      Taro.showToast({ title: t('tourism.pickSlot'), icon: 'none' })
      return
    }
    if (visitors.length === 0) {
      Taro.showToast({ title: t('tourism.pickVisitors'), icon: 'none' })
      return
    }
    setBusy(true)
    setRefusal(null)
    try {
      if (full) {
        await joinWaitlist({ spot: code, slot_id: slot.slot_id, visitors })
        Taro.showToast({ title: t('tourism.waitlistJoined'), icon: 'success' })
        await Taro.redirectTo({ url: '/pages/tourism/waitlist' })
        return
      }
      const order = await createTicketOrder({ spot: code, slot_id: slot.slot_id, visitors })
      const unpaid = order.payments.length > 0 && order.tickets.some((tk) => tk.state === 'held')
      await Taro.redirectTo({ url: unpaid ? `/pages/tourism/pay?id=${order.id}` : `/pages/tourism/order?id=${order.id}` })
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) setRefusal({ code: err.code, message: err.message })
      else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  async function waitInstead() {
    if (!slot || busy) return
    setBusy(true)
    try {
      await joinWaitlist({ spot: code, slot_id: slot.slot_id, visitors })
      Taro.showToast({ title: t('tourism.waitlistJoined'), icon: 'success' })
      await Taro.redirectTo({ url: '/pages/tourism/waitlist' })
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) setRefusal({ code: err.code, message: err.message })
      else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-tourism-book' title={spot.data?.name ?? t('tourism.book')} className='page--action'>
      <LoadState load={spot} testId='book-spot'>
        {(s) => (
          <View className='card' data-testid='book-spot-head'>
            <Text className='item-title block'>{s.name}</Text>
            <Text className='caption muted block'>{`${s.opens}–${s.closes} · ${priceText(t, s.from_cents, true)}`}</Text>
          </View>
        )}
      </LoadState>
      <StandingCard spot={code} />

      <View className='card'>
        <Text className='card__title'>{t('tourism.pickDay')}</Text>
        <LoadState load={days} testId='book-days' card={false}>
          {() => <DayStrip days={dayInfo} value={day} today={today} onChange={(d) => { setDay(d); setSlot(null) }} />}
        </LoadState>
      </View>

      <View className='card' data-testid='book-slots'>
        <Text className='card__title'>{t('tourism.pickSlot')}</Text>
        {!day ? (
          <Text className='body muted block' data-testid='no-days'>{t('tourism.noDays')}</Text>
        ) : (
          <View className='slots' data-testid='slots'>
            {slots.map((s) => {
              const started = s.started
              const waitable = !started && waitsFor(s)
              const open = s.bookable || waitable
              const on = slot?.slot_id === s.slot_id
              return (
                <View
                  key={s.slot_id}
                  className={`slot ${open ? '' : 'slot--off'} ${on ? 'slot--on' : ''}`}
                  data-testid='slot'
                  data-slot-id={s.slot_id}
                  data-left={s.left ?? 'unlimited'}
                  data-bookable={s.bookable ? 'true' : 'false'}
                  data-waitlisted={s.waitlisted ? 'true' : 'false'}
                  onClick={() => open && setSlot(s)}
                >
                  <Text className='slot__time'>{`${chinaParts(s.starts_at).time}–${chinaParts(s.ends_at).time}`}</Text>
                  <Text className='slot__left'>
                    {started ? t('appt.started') : waitable ? t('tourism.slotWaitlist') : s.left === null ? t('appt.unlimited') : t('appt.left', { n: s.left })}
                  </Text>
                </View>
              )
            })}
          </View>
        )}
      </View>

      <View className='card' data-testid='book-visitors'>
        <Text className='card__title'>{t('tourism.visitors')}</Text>
        <View className='chips'>
          {[{ value: 'self', label: t('tourism.self') }, ...members.map((m) => ({ value: `m${m.id}`, label: `${m.name}（${t(`family.relation.${m.relation}`)}）` }))].map((o) => {
            const on = chosen.includes(o.value)
            return (
              <View key={o.value} className={`chips__item ${on ? 'chips__item--on' : ''}`} data-testid={`visitor-${o.value}`} data-selected={on ? 'true' : 'false'} onClick={() => toggle(o.value)}>
                {o.label}
              </View>
            )
          })}
        </View>
        {companions.map((c, i) => (
          <View key={i} className='list__row' data-testid='companion-row'>
            <View className='list__main'>
              <Text className='list__title block' data-user-text>{c.name}</Text>
              <Text className='caption muted block'>{t(`tourism.document.${c.document_kind}`)}</Text>
            </View>
            <Text className='link link--danger' data-testid='companion-remove' onClick={() => setCompanions((list) => list.filter((_, j) => j !== i))}>
              {t('tourism.remove')}
            </Text>
          </View>
        ))}
        {adding ? (
          <DocumentVisitorForm
            onAdd={(v) => {
              setCompanions((list) => [...list, v])
              setAdding(false)
            }}
          />
        ) : (
          <View className='btn btn--ghost btn--block' data-testid='companion-open' onClick={() => setAdding(true)}>
            {t('tourism.addCompanion')}
          </View>
        )}
      </View>

      {chosen.length > 0 && (
        <View className='card' data-testid='book-claims'>
          <View className='card__head'>
            <Text className='card__title'>{t('tourism.claims')}</Text>
            <Text className='link' data-testid='claims-toggle' onClick={() => setClaiming((v) => !v)}>
              {claiming ? t('tourism.claimsHide') : t('tourism.claimsShow')}
            </Text>
          </View>
          {claiming && (
            <>
              <Text className='caption muted block'>{t('tourism.claimsHint')}</Text>
              {chosen.map((who, i) => (
                <View key={who} className='tour-line' data-testid='claims-row' data-who={who}>
                  <Text className='list__title block'>{names[i]}</Text>
                  <View className='chips'>
                    {onlineClaims.map((row) => {
                      const c = row.category
                      const on = claimsOf(who).includes(c)
                      return (
                        <View key={c} className={`chips__item ${on ? 'chips__item--on' : ''}`} data-testid={`claim-${who}-${c}`} data-selected={on ? 'true' : 'false'} onClick={() => toggleClaim(who, c)}>
                          {labelOf(t, c, row.category_label, 'tourism.category')}
                        </View>
                      )
                    })}
                  </View>
                </View>
              ))}
            </>
          )}
        </View>
      )}

      <View className='card' data-testid='book-quote'>
        <Text className='card__title'>{t('tourism.priceTitle')}</Text>
        {visitors.length === 0 || !day ? (
          <Text className='caption muted block'>{t('tourism.priceHint')}</Text>
        ) : priced.error ? (
          <Text className='body block bad-text' data-testid='quote-error'>{priced.error}</Text>
        ) : !priced.quote ? (
          <Text className='caption muted block'>{t('common.loading')}</Text>
        ) : (
          <>
            {lines.map((l, i) => (
              <View key={i} className='tour-line' data-testid='quote-line' data-category={l.category} data-amount={lineFen(l)}>
                <View className='tour-line__head'>
                  <Text className='list__title'>{l.name_masked ?? names[l.visitor ?? i] ?? ''}</Text>
                  <Text className={`tour-amount ${lineFen(l) === 0 ? 'tour-amount--free' : ''}`}>{priceText(t, lineFen(l))}</Text>
                </View>
                <Text className='caption block'>{labelOf(t, l.category, l.category_label, 'tourism.category')}</Text>
                <Text className='caption muted block' data-testid='quote-explanation'>{l.explanation}</Text>
              </View>
            ))}
            <View className='tour-total' data-testid='quote-total' data-amount={total}>
              <Text>{t('tourism.total')}</Text>
              <Text>{priceText(t, total)}</Text>
            </View>
          </>
        )}
      </View>

      {refusal && (
        <View className='card card--warn' data-testid='book-refused' data-code={refusal.code}>
          <Text className='card__title'>{t('tourism.refused')}</Text>
          <Text className='body block' data-testid='book-refused-message'>{refusal.message}</Text>
          {WAIT_CODES.includes(refusal.code) && slot && (
            <View className='btn btn--ghost btn--block' data-testid='book-waitlist' onClick={waitInstead}>
              {t('tourism.joinWaitlist')}
            </View>
          )}
        </View>
      )}

      <View className='action-bar'>
        <View className={`btn btn--primary btn--block ${busy || !slot || visitors.length === 0 ? 'btn--busy' : ''}`} data-testid='book-submit' onClick={submit}>
          {full ? t('tourism.joinWaitlist') : total > 0 ? t('tourism.bookAndPay', { amount: (total / 100).toFixed(2) }) : t('tourism.bookFree')}
        </View>
      </View>
    </PageShell>
  )
}
