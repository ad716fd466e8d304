import { Text, View } from '@tarojs/components'
import type { ReactNode } from 'react'

/** One key/value row of a detail card. */
export default function KV({ k, children, testId }: { k: string; children: ReactNode; testId?: string }) {
  return (
    <View className='kv__row kv__row--wrap'>
      <Text className='kv__key'>{k}</Text>
      <Text className='kv__value kv__value--right' data-testid={testId}>{children}</Text>
    </View>
  )
}
