import { Text, View } from '@tarojs/components'
import type { TransitionStep } from '../api'
import { useT } from '../i18n'
import { formatDateTime } from '../utils/format'
import { labelOf } from '../utils/labels'

/** A case's transitions, newest first: step, who, when, reasons and comment. */
export default function Timeline({ steps }: { steps: TransitionStep[] }) {
  const t = useT()
  const ordered = [...steps].reverse()
  return (
    <View className='timeline' data-testid='timeline'>
      {ordered.map((s, i) => (
        <View key={`${s.at}-${i}`} className={`timeline__item ${i === 0 ? 'timeline__item--current' : ''}`} data-testid='timeline-step' data-step={s.name}>
          <View className='timeline__dot' />
          <View className='timeline__body'>
            <View className='timeline__head'>
              <Text className='timeline__title'>{labelOf(t, s.name, s.name_label, 'step')}</Text>
              <Text className='caption muted'>{labelOf(t, s.by, s.by_label, 'by')}</Text>
            </View>
            <Text className='caption muted block'>{formatDateTime(s.at)}</Text>
            {s.reasons.length > 0 && (
              <View className='timeline__reasons'>
                {s.reasons.map((r, j) => (
                  <Text key={j} className='body block' data-testid='timeline-reason'>· {r}</Text>
                ))}
              </View>
            )}
            {s.comment && <Text className='caption block timeline__comment'>{s.comment}</Text>}
          </View>
        </View>
      ))}
    </View>
  )
}
