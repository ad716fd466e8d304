import { Text, View } from '@tarojs/components'
import type { HealthCard } from '../api'
import { useT } from '../i18n'
import { labelOf } from '../utils/labels'

/** The card itself: 电子健康卡, the holder (a family member's by the name their guardian gave them, anyone
 *  else's masked), whose card it is (本人, 子女…), the masked ID number, the card number and its state. */
export default function HealthCardFace({ card, who, onClick }: { card: HealthCard; who?: string; onClick?: () => void }) {
  const t = useT()
  return (
    <View
      className={`hcard hcard--${card.state} ${onClick ? 'hcard--tap' : ''}`}
      data-testid='health-card'
      data-id={card.id}
      data-state={card.state}
      data-member={card.family_member_id ?? 'self'}
      onClick={onClick}
    >
      <View className='hcard__head'>
        <Text className='hcard__title'>{t('service.healthcard')}</Text>
        <Text className='hcard__state' data-testid='health-card-state'>{labelOf(t, card.state, card.state_label, 'hc.state')}</Text>
      </View>
      <Text className='hcard__holder block' data-testid='health-card-holder'>
        {card.holder_name}
        {who ? <Text className='hcard__who'>{` · ${who}`}</Text> : null}
      </Text>
      <Text className='hcard__id mono block'>{card.id_number}</Text>
      <Text className='hcard__number mono block' data-testid='health-card-number'>{card.number}</Text>
    </View>
  )
}
