import { Text, View } from '@tarojs/components'
import { bookableNow, type Slot } from '../api'
import { useT } from '../i18n'
import { chinaParts } from '../utils/format'

interface Props {
  slots: Slot[]
  value: number | null
  onChange: (slot: Slot) => void
}

/** A day's slots with the places left; full, closed and started slots are shown but can't be picked. */
export default function SlotGrid({ slots, value, onChange }: Props) {
  const t = useT()
  return (
    <View className='slots' data-testid='slots'>
      {slots.map((s) => {
        const on = s.slot_id === value
        const bookable = bookableNow(s)
        const past = s.bookable && !bookable
        const left = s.left === null ? t('appt.unlimited') : s.left > 0 ? t('appt.left', { n: s.left }) : t('appt.full')
        return (
          <View
            key={s.slot_id}
            className={`slot ${bookable ? '' : 'slot--off'} ${on ? 'slot--on' : ''}`}
            data-testid='slot'
            data-slot-id={s.slot_id}
            data-starts-at={s.starts_at}
            data-bookable={bookable ? 'true' : 'false'}
            data-left={s.left === null ? 'unlimited' : s.left}
            onClick={() => bookable && onChange(s)}
          >
            <Text className='slot__time'>
              {chinaParts(s.starts_at).time}–{chinaParts(s.ends_at).time}
            </Text>
            <Text className='slot__left'>{bookable ? left : past ? t('appt.started') : s.left === 0 ? t('appt.full') : t('appt.notBookable')}</Text>
          </View>
        )
      })}
    </View>
  )
}
