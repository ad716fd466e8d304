import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import AppointmentRow from '../../components/AppointmentRow'
import LoadState, { useLoad } from '../../components/LoadState'
import StandingNote from '../../components/StandingNote'
import { beingRefunded } from '../../components/appointmentMoney'
import { requireLogin } from '../../components/auth'
import { getStanding, listAppointments, OPEN_STATES, type Appointment } from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'
import './appointments.css'

/** My appointments: the open ones first (soonest first), then the past (latest first); the no-show standing. */
export default function MyAppointments() {
  const t = useT()
  const items = useLoad(
    () => (requireLogin('/pages/appointments/mine') ? listAppointments({ silent: true }) : new Promise<never>(() => undefined)),
    { when: 'show' },
  )
  const standing = useLoad(() => getStanding({ silent: true }), { when: 'show' })

  const go = (a: Appointment) =>
    Taro.navigateTo({ url: a.state === 'pending_payment' ? `/pages/appointments/pay?id=${a.id}` : `/pages/appointments/detail?id=${a.id}` })
  const book = (
    <View className='btn btn--primary btn--block' data-testid='appointments-book' onClick={() => Taro.navigateTo({ url: '/pages/appointments/index' })}>
      {t('appt.bookNew')}
    </View>
  )

  return (
    <PageShell testId='page-my-appointments' title={t('appt.mine')}>
      <StandingNote standing={standing.data} />
      <LoadState load={items} testId='appointments' isEmpty={(list) => list.length === 0} empty={t('appt.none')} emptyAction={book}>
        {(list) => {
          // a booking refunded in full is past already (the server cancels it when the refund is told)
          const isOpen = (a: Appointment) => OPEN_STATES.includes(a.state) && !beingRefunded(a)
          const open = list.filter(isOpen).sort((a, b) => a.starts_at.localeCompare(b.starts_at))
          const past = list.filter((a) => !isOpen(a))
          return (
            <>
              <View className='card' data-testid='appointments-open'>
                <Text className='card__title'>{t('appt.upcoming')}</Text>
                {open.length === 0 ? (
                  <View>
                    <Text className='body muted block' data-testid='appointments-none-open'>{t('appt.noneOpen')}</Text>
                    {book}
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
            </>
          )
        }}
      </LoadState>
    </PageShell>
  )
}
