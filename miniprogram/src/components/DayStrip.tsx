import { Text, View } from '@tarojs/components'
import { useT, type MessageKey } from '../i18n'
import { weekday } from '../utils/format'

export interface DayInfo {
  date: string
  /** open: some slot bookable; full: slots, none bookable; closed: no slots (holiday, weekend) */
  status: 'open' | 'full' | 'closed' | 'loading'
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
            className={`day day--${d.status} ${on ? 'day--on' : ''}`}
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
