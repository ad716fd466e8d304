import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import DayStrip, { dayStatus, type DayInfo } from '../../components/DayStrip'
import SlotGrid from '../../components/SlotGrid'
import { bookableNow, getSite, getSlots, type BookableService, type Slot, type SiteDetail } from '../../api'
import { useT } from '../../i18n'
import { addDays, chinaToday, fenToYuan } from '../../utils/format'
import '../office/office.css'
import './appointments.css'

/** How many days ahead the page offers (today included). */
const DAYS = 7

/** Choose a day of the next seven (days without slots are closed) and a slot with places left. */
export default function AppointmentSlots() {
  const t = useT()
  const params = useRouter().params
  const siteCode = decodeURIComponent(params.site ?? '')
  const serviceId = Number(params.service)
  const [site, setSite] = useState<SiteDetail | null>(null)
  const [days, setDays] = useState<DayInfo[]>([])
  const [slotsByDay, setSlotsByDay] = useState<Record<string, Slot[]>>({})
  const [day, setDay] = useState<string | null>(null)
  const [slot, setSlot] = useState<Slot | null>(null)
  const today = chinaToday()

  async function load() {
    getSite(siteCode).then(setSite).catch(() => undefined)
    const dates = Array.from({ length: DAYS }, (_, i) => addDays(today, i))
    setDays(dates.map((date) => ({ date, status: 'loading' })))
    const found = await Promise.all(
      dates.map((date) =>
        getSlots(serviceId, date, { silent: true })
          .then((r) => r.slots)
          .catch(() => [] as Slot[]),
      ),
    )
    const byDay: Record<string, Slot[]> = {}
    const info: DayInfo[] = dates.map((date, i) => {
      byDay[date] = found[i]
      return { date, status: dayStatus(found[i], Date.now()) }
    })
    setSlotsByDay(byDay)
    setDays(info)
    // keep the chosen day if it is still open, else the first open one
    setDay((chosen) => (chosen && info.find((d) => d.date === chosen)?.status === 'open' ? chosen : info.find((d) => d.status === 'open')?.date ?? null))
    setSlot((chosen) => (chosen && Object.values(byDay).flat().some((s) => s.slot_id === chosen.slot_id && bookableNow(s)) ? chosen : null))
  }

  // again on each show: coming back from a refused booking shows the places as they are now
  useDidShow(() => {
    load().catch(() => undefined)
  })

  const service: BookableService | undefined = site?.services.find((s) => s.id === serviceId)
  const slots = day ? slotsByDay[day] ?? [] : []

  function next() {
    if (!slot) {
      Taro.showToast({ title: t('appt.pickSlot'), icon: 'none' })
      return
    }
    Taro.navigateTo({
      url: `/pages/appointments/confirm?site=${encodeURIComponent(siteCode)}&service=${serviceId}&date=${day}&slot=${slot.slot_id}`,
    })
  }

  return (
    <PageShell testId='page-appointment-slots' title={service?.name ?? t('service.appointment')} className='page--action'>
      <View className='card' data-testid='service-head' data-id={serviceId}>
        <View className='card__head card__head--top'>
          <Text className='item-title'>{service?.name ?? '…'}</Text>
          {service && (
            <Text className={`chip ${service.fee_fen > 0 ? 'chip--warn' : 'chip--ok'}`} data-testid='service-fee'>
              {service.fee_fen > 0 ? `¥${fenToYuan(service.fee_fen)}` : t('appt.free')}
            </Text>
          )}
        </View>
        <Text className='caption muted block'>
          {[site?.name, service?.department, service?.doctor_title].filter(Boolean).join(' · ')}
        </Text>
      </View>
      <View className='card'>
        <Text className='card__title'>{t('appt.pickDay')}</Text>
        <DayStrip days={days} value={day} today={today} onChange={(d) => { setDay(d); setSlot(null) }} />
      </View>
      <View className='card' data-testid='slots-card'>
        <Text className='card__title'>{t('appt.pickSlot')}</Text>
        {days.some((d) => d.status === 'loading') ? (
          <Text className='body muted'>{t('common.loading')}</Text>
        ) : !day ? (
          <Text className='body muted' data-testid='no-days'>{t('appt.noDays')}</Text>
        ) : (
          <SlotGrid slots={slots} value={slot?.slot_id ?? null} onChange={setSlot} />
        )}
      </View>
      <View className='action-bar'>
        <View className={`btn btn--primary btn--block ${slot ? '' : 'btn--busy'}`} data-testid='slots-next' onClick={next}>
          {t('appt.next')}
        </View>
      </View>
    </PageShell>
  )
}
