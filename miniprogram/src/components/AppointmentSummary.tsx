import { Text, View } from '@tarojs/components'
import type { Appointment, FamilyMember } from '../api'
import { useT } from '../i18n'
import { chinaRange, yuan } from '../utils/format'
import { shownState } from './appointmentMoney'
import KV from './KV'
import StateBadge from './StateBadge'

/** Head of an appointment (detail, pay): service, state, site, time, for whom, fee, number. */
export default function AppointmentSummary({ a, family = [] }: { a: Appointment; family?: FamilyMember[] }) {
  const t = useT()
  const shown = shownState(t, a)
  const member = a.on_behalf_of ? family.find((m) => m.id === a.on_behalf_of) : undefined
  return (
    <View className='card' data-testid='appointment-head' data-id={a.id} data-state={a.state}>
      <View className='card__head card__head--top'>
        <Text className='item-title'>{a.service_name}</Text>
        <StateBadge kind='appointment' state={shown.state} label={shown.label} testId='appointment-state' />
      </View>
      <View className='kv'>
        <KV k={t('appt.site')}>{a.site_label ?? a.site_name}</KV>
        <KV k={t('appt.time')} testId='appointment-time'>{chinaRange(a.starts_at, a.ends_at)}</KV>
        <KV k={t('appt.for')} testId='appointment-for'>{a.on_behalf_of ? member?.name ?? '…' : t('applicant.self')}</KV>
        <KV k={t('appt.fee')}>{a.fee_fen > 0 ? `¥${yuan(a.fee_fen)}` : t('appt.free')}</KV>
        <KV k={t('appt.number')} testId='appointment-number'>{a.number}</KV>
      </View>
    </View>
  )
}
