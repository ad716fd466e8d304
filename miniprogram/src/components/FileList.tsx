import { Text, View } from '@tarojs/components'
import type { Material } from '../api'
import { useT } from '../i18n'
import { formatDateTime } from '../utils/format'

interface Props {
  items: Material[]
  /** the row's title (the item's material name, or "documents from the office") */
  title: (m: Material) => string
  onOpen: (m: Material) => void
  /** test ids: `${testId}` on each row (data-code, data-id), `${testId}-open` on its link */
  testId: string
}

/** Files of a case, each with its size and date and a link that downloads and shows it. */
export default function FileList({ items, title, onOpen, testId }: Props) {
  const t = useT()
  if (items.length === 0) return <Text className='body muted'>{t('common.none')}</Text>
  return (
    <View className='list'>
      {items.map((m) => (
        <View key={m.id} className='list__row' data-testid={testId} data-code={m.material_code} data-id={m.id}>
          <View className='list__main list__main--flush'>
            <Text className='body block'>{title(m)}</Text>
            <Text className='caption muted block'>
              {m.certificate_id ? (
                t('material.usedCert')
              ) : (
                <>
                  {/* the file's name as the person gave it (the page audit does not read it) */}
                  <Text data-user-text>{m.filename}</Text>
                  {` · ${Math.ceil(m.size / 1024)} KB`}
                </>
              )}{' '}
              · {formatDateTime(m.created_at)}
            </Text>
          </View>
          {!m.certificate_id && (
            <Text className='link' data-testid={`${testId}-open`} onClick={() => onOpen(m)}>
              {t('staff.download')}
            </Text>
          )}
        </View>
      ))}
    </View>
  )
}
