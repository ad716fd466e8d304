import { Text, View } from '@tarojs/components'
import type { FamilyMember } from '../api'
import { useT } from '../i18n'

interface Props {
  items: FamilyMember[]
  onRemove?: (m: FamilyMember) => void
}

export default function FamilyList({ items, onRemove }: Props) {
  const t = useT()
  return (
    <View className='list' data-testid='family-list'>
      {items.map((m) => (
        <View
          key={m.id}
          className='list__row'
          data-testid='family-member'
          data-status={m.status}
          data-relation={m.relation}
        >
          <View className='avatar avatar--small'>
            <Text>{(m.name || '?').slice(0, 1)}</Text>
          </View>
          <View className='list__main'>
            <View className='list__line'>
              <Text className='list__title'>{m.name}</Text>
              <Text className='tag'>{t(`family.relation.${m.relation}`)}</Text>
              {m.is_minor && <Text className='tag tag--minor'>{t('family.minor')}</Text>}
            </View>
            <Text className='caption muted mono'>{m.id_number}</Text>
          </View>
          <View className='list__side'>
            <Text
              className={`chip ${m.status === 'active' ? 'chip--ok' : 'chip--warn'}`}
              data-testid='family-member-status'
            >
              {t(`family.status.${m.status}`)}
            </Text>
            {onRemove && (
              <Text className='link link--danger' data-testid='family-member-remove' onClick={() => onRemove(m)}>
                {t('family.remove')}
              </Text>
            )}
          </View>
        </View>
      ))}
    </View>
  )
}
