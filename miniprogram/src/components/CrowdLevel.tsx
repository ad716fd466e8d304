import { Text } from '@tarojs/components'
import type { CrowdLevel as Level } from '../api'
import { useT } from '../i18n'
import { labelOf } from '../utils/labels'

/**
 * A spot's crowd level as a coloured chip with its name (舒适 green, 较拥挤 yellow, 拥挤 orange,
 * 爆满 red): the server's `level_label`, else the app's dictionary. Used by the resident's spot
 * pages, the public board and the spot staff's gate and dashboard.
 */
export default function CrowdLevel({ level, label, big = false, testId = 'crowd-level' }: { level: Level | string; label?: string; big?: boolean; testId?: string }) {
  const t = useT()
  return (
    <Text className={`chip level level--${level} ${big ? 'level--big' : ''}`} data-testid={testId} data-level={level}>
      {labelOf(t, level, label, 'tourism.level')}
    </Text>
  )
}
