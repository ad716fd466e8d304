import { View } from '@tarojs/components'

interface Props {
  checked: boolean
  onChange: (next: boolean) => void
  testId?: string
  disabled?: boolean
}

/** An accessible switch with a large touch target (role/aria-checked are visible to tests on H5). */
export default function Toggle({ checked, onChange, testId, disabled }: Props) {
  return (
    <View
      className={`toggle ${checked ? 'toggle--on' : ''} ${disabled ? 'toggle--disabled' : ''}`}
      role='switch'
      aria-checked={checked}
      data-testid={testId}
      data-checked={checked ? 'true' : 'false'}
      onClick={() => !disabled && onChange(!checked)}
    >
      <View className='toggle__knob' />
    </View>
  )
}
