import { Text, View } from '@tarojs/components'
import { bookableNow, type Slot } from '../api'
import { useT, type MessageKey } from '../i18n'
import { weekday } from '../utils/format'

export interface DayInfo {
  date: string
  /**
   * open: some slot to come is bookable; full: slots to come, none bookable; over: the day had slots
   * but all have started (a morning clinic in the afternoon: 今日已结束, not 休息); closed: no slots at
   * all (a holiday, the weekend, the doctor's day off)
   */
  status: 'open' | 'full' | 'over' | 'closed' | 'loading'
}

/** How a day reads from its slots at `now` (ms). */
export function dayStatus(slots: Slot[], now: number): DayInfo['status'] {
  if (slots.length === 0) return 'closed'
  const upcoming = slots.filter((s) => Date.parse(s.starts_at) > now)
  if (upcoming.length === 0) return 'over'
  return upcoming.some((s) => bookableNow(s, now)) ? 'open' : 'full'
}

interface Props {
  days: DayInfo[]
  value: string | null
  onChange: (date: string) => void
  today: string
}

/** The next days as a strip of tappable dates; closed days (no slots) and full days can't be picked. */
export default function DayStrip({ days, value, onChange, today }: Props) {
  const t = useT()
  return (
    <View className='days' data-testid='days'>
      {days.map((d) => {
        const on = d.date === value
        const label = d.date === today ? t('appt.today') : t(`appt.week.${weekday(d.date)}` as MessageKey)
        return (
          <View
            key={d.date}
            className={`day day--${d.status} ${d.status === 'over' ? 'day--closed' : ''} ${on ? 'day--on' : ''}`}
            data-testid={`day-${d.date}`}
            data-status={d.status}
            data-selected={on ? 'true' : 'false'}
            onClick={() => d.status === 'open' && onChange(d.date)}
          >
            <Text className='day__week'>{label}</Text>
            <Text className='day__date'>{d.date.slice(8)}</Text>
            <Text className='day__note'>{d.status === 'loading' ? '…' : t(`appt.day.${d.status}`)}</Text>
          </View>
        )
      })}
    </View>
  )
}
