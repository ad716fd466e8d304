import { View } from '@tarojs/components'

interface Props<T extends string> {
  options: { value: T; label: string }[]
  value: T | null | undefined
  onChange: (v: T) => void
  /** each chip gets data-testid `${testIdPrefix}-${value}` */
  testIdPrefix: string
  /** tapping the selected chip clears it */
  onClear?: () => void
}

/** Wrapping option chips: selects, filters, ratings (big touch targets, no native picker). */
export default function ChipSelect<T extends string>({ options, value, onChange, testIdPrefix, onClear }: Props<T>) {
  return (
    <View className='chips' data-testid={testIdPrefix}>
      {options.map((o) => {
        const on = o.value === value
        return (
          <View
            key={o.value}
            className={`chips__item ${on ? 'chips__item--on' : ''}`}
            data-testid={`${testIdPrefix}-${o.value}`}
            data-selected={on ? 'true' : 'false'}
            onClick={() => (on ? onClear?.() : onChange(o.value))}
          >
            {o.label}
          </View>
        )
      })}
    </View>
  )
}
