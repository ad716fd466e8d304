import Taro, { useDidShow } from '@tarojs/taro'
import { Picker, Text, Textarea, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import Segmented from '../../components/Segmented'
import ChipSelect from '../../components/ChipSelect'
import AppointmentRow from '../../components/AppointmentRow'
import { useConfirm } from '../../components/ConfirmSheet'
import { requireStaff } from '../../components/staffAuth'
import { chooseSite, chosenSite, frontlineSites } from '../../components/frontline'
import {
  ApiError,
  OPEN_STATES,
  cancelSlot,
  getSite,
  getSlots,
  listSites,
  moveSlot,
  siteDay,
  type Appointment,
  type Site,
  type SiteDetail,
  type Slot,
} from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { addDays, chinaParts, chinaToday, weekday } from '../../utils/format'
import '../office/office.css'
import '../appointments/appointments.css'
import './slots.css'

/** How many days the page offers (today included). */
const DAYS = 7
/** Quick "later by" choices for a move, in minutes. */
const LATER = [15, 30, 60, 120]

type Action = 'move' | 'cancel'
type SlotStatus = 'open' | 'full' | 'closed' | 'started'

interface Done {
  action: Action
  /** the new start (move) */
  to?: string
  affected: Appointment[]
}

interface Refused {
  code: string
  message: string
}

/** A slot's state as the desk sees it: started, open with places, full, or closed (cancelled). */
function statusOf(s: Slot, now: number): SlotStatus {
  if (Date.parse(s.starts_at) <= now) return 'started'
  if (s.bookable) return 'open'
  return s.left === 0 ? 'full' : 'closed'
}

/** `date` (YYYY-MM-DD) and `time` (HH:mm) as a China-time ISO instant. */
function chinaIso(date: string, time: string): string {
  return `${date}T${time}:00+08:00`
}

/**
 * 时段调整 (frontline, role scanner scoped to the site): choose a site, a service and a day; the
 * slots with how many are booked; cancel a slot (a doctor's leave: everyone booked is cancelled and
 * told) or move it within its day (a doctor delayed: everyone keeps their place at the new time and
 * is told). A reason is required and is passed on to the residents; a dialog confirms first.
 */
export default function FrontlineSlots() {
  const t = useT()
  const today = chinaToday()
  const [sites, setSites] = useState<Site[]>([])
  const [site, setSite] = useState<string | null>(null)
  const [detail, setDetail] = useState<SiteDetail | null>(null)
  const [serviceId, setServiceId] = useState<number | null>(null)
  const [day, setDay] = useState<string>(today)
  const [slots, setSlots] = useState<Slot[] | null>(null)
  const [booked, setBooked] = useState<Appointment[]>([])
  const [selected, setSelected] = useState<number | null>(null)
  const [action, setAction] = useState<Action>('move')
  const [time, setTime] = useState<string>('')
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [sheet, ask] = useConfirm()
  const [refused, setRefused] = useState<Refused | null>(null)
  const [done, setDone] = useState<Done | null>(null)

  function resetForm() {
    setSelected(null)
    setTime('')
    setReason('')
    setRefused(null)
  }

  async function loadDay(code: string, service: number, date: string) {
    setSlots(null)
    const [found, appointments] = await Promise.all([
      getSlots(service, date, { silent: true })
        .then((r) => r.slots)
        .catch(() => [] as Slot[]),
      siteDay(code, date, { silent: true }).catch(() => [] as Appointment[]),
    ])
    setSlots(found)
    setBooked(appointments)
  }

  async function openSite(code: string) {
    setSite(code)
    chooseSite(code)
    setDetail(null)
    setSlots(null)
    resetForm()
    try {
      const d = await getSite(code)
      setDetail(d)
      const keep = d.services.find((s) => s.id === serviceId)?.id ?? d.services[0]?.id ?? null
      setServiceId(keep)
      if (keep !== null) await loadDay(code, keep, day)
    } catch {
      setSlots([])
    }
  }

  useDidShow(() => {
    if (!requireStaff('/pages/frontline/slots')) return
    listSites()
      .then((all) => {
        const mine = frontlineSites(all)
        setSites(mine)
        const chosen = site ?? chosenSite(mine)
        if (chosen) openSite(chosen)
      })
      .catch(() => undefined)
  })

  function pickService(code: string) {
    const s = detail?.services.find((x) => x.code === code)
    if (!s || !site) return
    setServiceId(s.id)
    resetForm()
    setDone(null)
    loadDay(site, s.id, day)
  }

  function pickDay(date: string) {
    setDay(date)
    resetForm()
    setDone(null)
    if (site && serviceId !== null) loadDay(site, serviceId, date)
  }

  function pickSlot(id: number) {
    if (selected === id) {
      resetForm()
      return
    }
    setSelected(id)
    setTime('')
    setRefused(null)
    setDone(null)
  }

  const now = Date.now()
  const service = detail?.services.find((s) => s.id === serviceId)
  const list = slots ?? []
  const slot = list.find((s) => s.slot_id === selected) ?? null
  const bookedOn = (s: Slot) =>
    booked.filter(
      (a) => a.service_id === serviceId && OPEN_STATES.includes(a.state) && Date.parse(a.starts_at) === Date.parse(s.starts_at),
    )
  const takenTimes = new Set(list.map((s) => Date.parse(s.starts_at)))

  /** A "later by n minutes" choice: its HH:mm, or why it can't be taken. */
  function later(s: Slot, minutes: number): { time: string; off: boolean } {
    const at = Date.parse(s.starts_at) + minutes * 60_000
    const p = chinaParts(new Date(at).toISOString())
    const off = p.date !== day || at <= now || takenTimes.has(at)
    return { time: p.time, off }
  }

  async function submit() {
    if (!slot || busy) return
    const why = reason.trim()
    if (action === 'move' && !time) {
      Taro.showToast({ title: t('fslot.timeRequired'), icon: 'none' })
      return
    }
    if (!why) {
      Taro.showToast({ title: t('fslot.reasonRequired'), icon: 'none' })
      return
    }
    const from = chinaParts(slot.starts_at).time
    const n = bookedOn(slot).length
    const ok = await ask({
      title: action === 'move' ? t('fslot.move') : t('fslot.cancel'),
      body: action === 'move' ? t('fslot.moveConfirm', { from, to: time, n }) : t('fslot.cancelConfirm', { time: from, n }),
      confirmText: action === 'move' ? t('fslot.move') : t('fslot.cancel'),
      cancelText: t('common.notNow'),
      danger: action === 'cancel',
      testId: 'fslot-confirm',
    })
    if (!ok) return
    setBusy(true)
    setRefused(null)
    try {
      const affected =
        action === 'move' ? await moveSlot(slot.slot_id, chinaIso(day, time), why) : await cancelSlot(slot.slot_id, why)
      setDone({ action, to: action === 'move' ? time : undefined, affected })
      resetForm()
      Taro.pageScrollTo({ scrollTop: 0, duration: 0 }).catch(() => undefined)
      if (site && serviceId !== null) await loadDay(site, serviceId, day)
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) setRefused({ code: err.code, message: err.message })
      else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  const dates = Array.from({ length: DAYS }, (_, i) => addDays(today, i))
  const dayLabel = (d: string) =>
    `${d === today ? t('appt.today') : t(`appt.week.${weekday(d)}` as MessageKey)} ${d.slice(5)}`

  return (
    <PageShell testId='page-frontline-slots' title={t('fslot.title')} className='staff'>
      {sheet}
      <StaffHero hint={detail?.name ?? t('fslot.title')} hintTestId='fslot-site' back='/pages/frontline/slots' />

      {sites.length > 1 && (
        <View className='card card--overlap'>
          <Segmented testIdPrefix='fslot-site' value={site ?? ''} onChange={openSite} options={sites.map((s) => ({ value: s.code, label: s.name }))} />
        </View>
      )}
      {sites.length === 0 && (
        <View className='card card--overlap'>
          <Text className='body muted' data-testid='fslot-no-site'>{t('front.noSite')}</Text>
        </View>
      )}

      {site && detail && (
        <View className={`card ${sites.length > 1 ? '' : 'card--overlap'}`} data-testid='fslot-pick'>
          <Text className='caption muted block'>{t('fslot.hint')}</Text>
          <Text className='field__label'>{t('fslot.service')}</Text>
          <ChipSelect
            testIdPrefix='fslot-service'
            value={service?.code ?? null}
            onChange={pickService}
            options={detail.services.map((s) => ({
              value: s.code,
              label: detail.kind === 'hospital' && s.department ? `${s.department} ${s.name}` : s.name,
            }))}
          />
          <Text className='field__label'>{t('fslot.day')}</Text>
          <ChipSelect testIdPrefix='fslot-day' value={day} onChange={pickDay} options={dates.map((d) => ({ value: d, label: dayLabel(d) }))} />
        </View>
      )}

      {done && (
        <View className='card fslot-done' data-testid='fslot-result' data-action={done.action} data-count={done.affected.length} data-to={done.to ?? ''}>
          <Text className='card__title block'>
            {done.action === 'move'
              ? t('fslot.moved', { time: done.to ?? '', n: done.affected.length })
              : t('fslot.cancelledDone', { n: done.affected.length })}
          </Text>
          {done.affected.length === 0 ? (
            <Text className='body muted block'>{t('fslot.nobodyTold')}</Text>
          ) : (
            <View className='list'>
              {done.affected.map((a) => (
                <AppointmentRow key={a.id} a={a} testId='fslot-affected' extra={`${a.number}${a.who ? ` · ${a.who}` : ''}`} />
              ))}
            </View>
          )}
        </View>
      )}

      {site && detail && (
        <View className='card' data-testid='fslot-slots' data-date={day} data-service={service?.code ?? ''}>
          <View className='card__head'>
            <Text className='card__title'>{t('fslot.slots')}</Text>
            {serviceId !== null && (
              <Text className='link' data-testid='fslot-refresh' onClick={() => loadDay(site, serviceId, day)}>
                {t('front.refresh')}
              </Text>
            )}
          </View>
          {slots === null ? (
            <Text className='body muted'>{t('common.loading')}</Text>
          ) : list.length === 0 ? (
            <Text className='body muted' data-testid='fslot-none'>{t('fslot.none')}</Text>
          ) : (
            <View className='list'>
              {list.map((s) => {
                const status = statusOf(s, now)
                const people = bookedOn(s).length
                const on = s.slot_id === selected
                const places =
                  s.capacity === null || s.left === null ? t('fslot.unlimited') : t('fslot.places', { left: s.left, capacity: s.capacity })
                return (
                  <View key={s.slot_id} className={`fslot ${on ? 'fslot--on' : ''}`}>
                    <View
                      className={`list__row ${status === 'closed' ? 'fslot__row--off' : 'list__row--tap'}`}
                      data-testid='fslot'
                      data-slot-id={s.slot_id}
                      data-starts-at={s.starts_at}
                      data-status={status}
                      data-booked={people}
                      data-selected={on ? 'true' : 'false'}
                      onClick={() => status !== 'closed' && pickSlot(s.slot_id)}
                    >
                      <View className='fslot__time'>
                        <Text className='fslot__start block'>{chinaParts(s.starts_at).time}</Text>
                        <Text className='caption muted block'>–{chinaParts(s.ends_at).time}</Text>
                      </View>
                      <View className='list__main'>
                        <Text className='body block' data-testid='fslot-booked'>{t('fslot.booked', { n: people })}</Text>
                        <Text className='caption muted block'>{places}</Text>
                      </View>
                      <Text className={`chip ${status === 'open' ? 'chip--ok' : status === 'closed' ? 'chip--warn' : 'chip--muted'}`}>
                        {t(`fslot.state.${status}` as MessageKey)}
                      </Text>
                    </View>
                    {on && slot && (
                      <View className='fslot__panel' data-testid='fslot-actions' data-slot-id={slot.slot_id}>
                        <Segmented
                          testIdPrefix='fslot-action'
                          value={action}
                          onChange={(a) => {
                            setAction(a)
                            setRefused(null)
                          }}
                          options={[
                            { value: 'move', label: t('fslot.move') },
                            { value: 'cancel', label: t('fslot.cancel') },
                          ]}
                        />
                        <Text className='caption block fslot__note' data-testid='fslot-affected-hint'>
                          {t('fslot.affectedHint', { n: people })}
                        </Text>
                        {action === 'move' && (
                          <>
                            <Text className='field__label'>{t('fslot.newTime')}</Text>
                            <View className='chips'>
                              {LATER.map((m) => {
                                const c = later(s, m)
                                const chosen = !c.off && c.time === time
                                return (
                                  <View
                                    key={m}
                                    className={`chips__item ${chosen ? 'chips__item--on' : ''} ${c.off ? 'chips__item--disabled' : ''}`}
                                    data-testid={`fslot-later-${m}`}
                                    data-time={c.time}
                                    data-off={c.off ? 'true' : 'false'}
                                    onClick={() => !c.off && setTime(c.time)}
                                  >
                                    {m < 60 ? t('fslot.later', { n: m }) : t('fslot.laterHours', { n: m / 60 })}
                                    {` ${c.time}`}
                                  </View>
                                )
                              })}
                            </View>
                            <Picker
                              mode='time'
                              value={time || chinaParts(s.starts_at).time}
                              start={day === today ? chinaParts(new Date(now).toISOString()).time : '00:00'}
                              end='23:59'
                              onChange={(e) => setTime(String(e.detail.value))}
                            >
                              <View className='field' data-testid='fslot-time'>
                                <Text className={time ? 'field__text' : 'field__text muted'} data-testid='fslot-new-time'>
                                  {time ? `${day} ${time}` : t('fslot.pickTime')}
                                </Text>
                              </View>
                            </Picker>
                            <Text className='caption muted block'>{t('fslot.sameDay')}</Text>
                          </>
                        )}
                        <Text className='field__label'>{t('fslot.reason')}</Text>
                        <View className='field field--area field--short'>
                          <Textarea
                            className='field__textarea'
                            data-testid='fslot-reason'
                            value={reason}
                            maxlength={200}
                            placeholder={t('fslot.reasonPlaceholder')}
                            onInput={(e) => setReason(e.detail.value)}
                          />
                        </View>
                        {refused && (
                          <View className='card--warn timeline__reasons' data-testid='fslot-refused' data-code={refused.code}>
                            <Text className='card__title block'>{t('fslot.refused')}</Text>
                            <Text className='body block'>{refused.message}</Text>
                          </View>
                        )}
                        <View
                          className={`btn btn--block ${action === 'move' ? 'btn--primary' : 'btn--danger-ghost'} ${busy ? 'btn--busy' : ''}`}
                          data-testid='fslot-submit'
                          onClick={submit}
                        >
                          {action === 'move' ? t('fslot.moveSubmit') : t('fslot.cancelSubmit')}
                        </View>
                      </View>
                    )}
                  </View>
                )
              })}
            </View>
          )}
        </View>
      )}

      <View className='card card--link' data-testid='fslot-frontline' onClick={() => Taro.navigateTo({ url: '/pages/frontline/index' })}>
        <View className='setting__text'>
          <Text className='setting__label'>{t('front.title')}</Text>
        </View>
        <Text className='list__arrow'>›</Text>
      </View>
    </PageShell>
  )
}
