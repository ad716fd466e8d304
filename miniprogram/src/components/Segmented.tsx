import { View } from '@tarojs/components'

interface Option<T extends string> {
  value: T
  label: string
}

interface Props<T extends string> {
  options: Option<T>[]
  value: T
  onChange: (v: T) => void
  /** each option gets data-testid `${testIdPrefix}-${value}` */
  testIdPrefix: string
}

export default function Segmented<T extends string>({ options, value, onChange, testIdPrefix }: Props<T>) {
  return (
    <View className='segmented' data-testid={testIdPrefix}>
      {options.map((o) => (
        <View
          key={o.value}
          className={`segmented__item ${o.value === value ? 'segmented__item--active' : ''}`}
          data-testid={`${testIdPrefix}-${o.value}`}
          data-selected={o.value === value ? 'true' : 'false'}
          onClick={() => o.value !== value && onChange(o.value)}
        >
          {o.label}
        </View>
      ))}
    </View>
  )
}
