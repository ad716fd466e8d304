import { Text, View } from '@tarojs/components'
import type { Appointment } from '../api'
import { useT } from '../i18n'
import { chinaRange } from '../utils/format'
import { moneyLine, shownState } from './appointmentMoney'
import StateBadge from './StateBadge'

interface Props {
  a: Appointment
  onTap?: () => void
  /** staff: the queue number or check-in code instead of the site */
  extra?: string
  testId?: string
}

/** One appointment in a list (mine, a site's day): service, site, time, state, and where its fee stands
 *  once it is coming back or came back (a registration refunded by finance reads 已取消 · 已退款 ¥20.00). */
export default function AppointmentRow({ a, onTap, extra, testId = 'appointment' }: Props) {
  const t = useT()
  const money = moneyLine(t, a)
  const shown = shownState(t, a)
  return (
    <View
      className={`list__row ${onTap ? 'list__row--tap' : ''}`}
      data-testid={testId}
      data-id={a.id}
      data-site={a.site}
      data-state={a.state}
      data-money={a.money?.state ?? ''}
      onClick={onTap}
    >
      <View className='list__main list__main--flush'>
        <Text className='list__title block'>{a.service_name}</Text>
        <Text className='caption muted block'>{extra ?? a.site_label ?? a.site_name}</Text>
        <Text className='caption block'>{chinaRange(a.starts_at, a.ends_at)}</Text>
        {money && (
          <Text className='caption muted block' data-testid={`${testId}-money`}>
            {money}
          </Text>
        )}
      </View>
      <StateBadge kind='appointment' state={shown.state} label={shown.label} testId={`${testId}-state`} />
    </View>
  )
}
