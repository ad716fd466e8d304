import Taro, { useDidShow } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import AppointmentRow from '../../components/AppointmentRow'
import StandingNote from '../../components/StandingNote'
import { requireLogin } from '../../components/auth'
import { getStanding, listAppointments, OPEN_STATES, type Appointment, type Standing } from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'
import './appointments.css'

/** My appointments: the open ones first (soonest first), then the past (latest first); the no-show standing. */
export default function MyAppointments() {
  const t = useT()
  const [items, setItems] = useState<Appointment[] | null>(null)
  const [standing, setStanding] = useState<Standing | null>(null)

  useDidShow(() => {
    if (!requireLogin('/pages/appointments/mine')) return
    listAppointments()
      .then(setItems)
      .catch(() => setItems([]))
    getStanding({ silent: true }).then(setStanding).catch(() => undefined)
  })

  const open = (items ?? []).filter((a) => OPEN_STATES.includes(a.state)).sort((a, b) => a.starts_at.localeCompare(b.starts_at))
  const past = (items ?? []).filter((a) => !OPEN_STATES.includes(a.state))
  const go = (a: Appointment) =>
    Taro.navigateTo({ url: a.state === 'pending_payment' ? `/pages/appointments/pay?id=${a.id}` : `/pages/appointments/detail?id=${a.id}` })

  return (
    <PageShell testId='page-my-appointments' title={t('appt.mine')}>
      <StandingNote standing={standing} />
      <View className='card' data-testid='appointments-open'>
        <Text className='card__title'>{t('appt.upcoming')}</Text>
        {items === null ? (
          <Text className='body muted'>{t('common.loading')}</Text>
        ) : open.length === 0 ? (
          <View>
            <Text className='body muted block' data-testid='appointments-empty'>{t('appt.none')}</Text>
            <View className='btn btn--primary btn--block' data-testid='appointments-book' onClick={() => Taro.navigateTo({ url: '/pages/appointments/index' })}>
              {t('appt.bookNew')}
            </View>
          </View>
        ) : (
          <View className='list'>
            {open.map((a) => (
              <AppointmentRow key={a.id} a={a} onTap={() => go(a)} />
            ))}
          </View>
        )}
      </View>
      {past.length > 0 && (
        <View className='card' data-testid='appointments-past'>
          <Text className='card__title'>{t('appt.past')}</Text>
          <View className='list'>
            {past.map((a) => (
              <AppointmentRow key={a.id} a={a} onTap={() => go(a)} />
            ))}
          </View>
        </View>
      )}
    </PageShell>
  )
}
