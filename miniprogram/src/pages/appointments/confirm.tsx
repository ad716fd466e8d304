import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import ChipSelect from '../../components/ChipSelect'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireLogin } from '../../components/auth'
import { memberOf, whoForOptions } from '../../components/whoFor'
import {
  ApiError,
  bookAppointment,
  getSite,
  getSlots,
  listFamily,
  type FamilyMember,
} from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { chinaRange, yuan } from '../../utils/format'
import '../office/office.css'
import './appointments.css'

interface Refusal {
  code: string
  message: string
  until?: string
}

/** Confirm a booking: the slot, for myself or a family member, the fee; refusals explained here. */
export default function AppointmentConfirm() {
  const t = useT()
  const params = useRouter().params
  const siteCode = decodeURIComponent(params.site ?? '')
  const serviceId = Number(params.service)
  const slotId = Number(params.slot)
  const date = params.date ?? ''
  const self = `/pages/appointments/confirm?site=${encodeURIComponent(siteCode)}&service=${serviceId}&date=${date}&slot=${slotId}`
  const [who, setWho] = useState<string>('self')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<Refusal | null>(null)
  // the site and the slot together: the page is nothing without them (loading, failed with 重试)
  const booking = useLoad(
    async () => {
      if (!requireLogin(self)) return new Promise<never>(() => undefined)
      const [site, slots] = await Promise.all([getSite(siteCode, { silent: true }), getSlots(serviceId, date, { silent: true })])
      return { site, slot: slots.slots.find((s) => s.slot_id === slotId) ?? null }
    },
    { when: 'show' },
  )
  // family members only add choices: without them the resident books for themself
  const family = useLoad(() => (requireLogin(self) ? listFamily({ silent: true }).catch(() => [] as FamilyMember[]) : Promise.resolve([])), { when: 'show' })

  const site = booking.data?.site
  const slot = booking.data?.slot ?? null
  const service = site?.services.find((s) => s.id === serviceId)

  async function book() {
    if (busy) return
    setBusy(true)
    setRefusal(null)
    try {
      const made = await bookAppointment({ service_id: serviceId, slot_id: slotId, on_behalf_of: memberOf(who) })
      const next = made.state === 'pending_payment' ? `/pages/appointments/pay?id=${made.id}` : `/pages/appointments/detail?id=${made.id}`
      await Taro.redirectTo({ url: next })
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) {
        const details = (err.details ?? {}) as { until?: string }
        setRefusal({ code: err.code, message: err.message, until: details.until })
      } else {
        Taro.showToast({ title: t('common.networkError'), icon: 'none' })
      }
    } finally {
      setBusy(false)
    }
  }

  const hintKey = refusal ? (`appt.refusal.${refusal.code}` as MessageKey) : null
  const hint = hintKey && t(hintKey) !== hintKey ? t(hintKey, { until: refusal?.until ?? '' }) : null
  const pickAnother = refusal && ['slot_full', 'slot_closed', 'slot_in_past', 'booking_window_closed'].includes(refusal.code)

  return (
    <PageShell testId='page-appointment-confirm' title={t('appt.confirm')} className='page--action'>
      <LoadState load={booking} testId='confirm'>
        {() => (
          <View className='card' data-testid='confirm-summary'>
            <Text className='item-title block'>{service?.name ?? '…'}</Text>
            <View className='kv'>
              <KV k={t('appt.site')}>{site?.name ?? '…'}</KV>
              {service?.department && <KV k={t('appt.department')}>{`${service.department}${service.doctor_title ? ` · ${service.doctor_title}` : ''}`}</KV>}
              <KV k={t('appt.time')} testId='confirm-time'>{slot ? chinaRange(slot.starts_at, slot.ends_at) : '…'}</KV>
              <KV k={t('appt.fee')} testId='confirm-fee'>
                {service ? (service.fee_fen > 0 ? `¥${yuan(service.fee_fen)}` : t('appt.free')) : '…'}
              </KV>
            </View>
            {service && service.fee_fen > 0 && <Text className='caption muted block'>{t('appt.payNote')}</Text>}
          </View>
        )}
      </LoadState>

      <View className='card' data-testid='confirm-who'>
        <Text className='card__title'>{t('appt.for')}</Text>
        <ChipSelect testIdPrefix='who' value={who} onChange={setWho} options={whoForOptions(family.data ?? [], true)} />
        <Text className='caption muted block'>{t('appt.forHint')}</Text>
      </View>

      {refusal && (
        <View className='card card--warn' data-testid='book-refused' data-code={refusal.code}>
          <Text className='card__title'>{t('appt.refused')}</Text>
          <Text className='body block' data-testid='book-refused-message'>{refusal.message}</Text>
          {hint && <Text className='caption muted block'>{hint}</Text>}
          {pickAnother && (
            <View className='btn btn--ghost btn--block' data-testid='book-pick-another' onClick={() => Taro.navigateBack()}>
              {t('appt.pickAnother')}
            </View>
          )}
        </View>
      )}

      <View className='action-bar'>
        <View className={`btn btn--primary btn--block ${busy || !slot ? 'btn--busy' : ''}`} data-testid='book-submit' onClick={book}>
          {service && service.fee_fen > 0 ? t('appt.bookAndPay', { fee: yuan(service.fee_fen) }) : t('appt.book')}
        </View>
      </View>
    </PageShell>
  )
}
