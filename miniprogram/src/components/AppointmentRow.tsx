import { Text, View } from '@tarojs/components'
import type { Appointment } from '../api'
import { chinaRange } from '../utils/format'
import StateBadge from './StateBadge'

interface Props {
  a: Appointment
  onTap?: () => void
  /** staff: the queue number or check-in code instead of the site */
  extra?: string
  testId?: string
}

/** One appointment in a list (mine, a site's day): service, site, time, state. */
export default function AppointmentRow({ a, onTap, extra, testId = 'appointment' }: Props) {
  return (
    <View
      className={`list__row ${onTap ? 'list__row--tap' : ''}`}
      data-testid={testId}
      data-id={a.id}
      data-site={a.site}
      data-state={a.state}
      onClick={onTap}
    >
      <View className='list__main list__main--flush'>
        <Text className='list__title block'>{a.service_name}</Text>
        <Text className='caption muted block'>{extra ?? a.site_name}</Text>
        <Text className='caption block'>{chinaRange(a.starts_at, a.ends_at)}</Text>
      </View>
      <StateBadge kind='appointment' state={a.state} testId={`${testId}-state`} />
    </View>
  )
}
