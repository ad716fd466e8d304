import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import type { ItemSummary } from '../api'
import { useT } from '../i18n'

/** One catalogue item in a list: name, department and region, 最多跑一次 / 零跑动; opens its guide. */
export default function ItemRow({ item }: { item: ItemSummary }) {
  const t = useT()
  return (
    <View
      className='list__row list__row--tap'
      data-testid='catalog-item'
      data-code={item.code}
      onClick={() => Taro.navigateTo({ url: `/pages/office/item?code=${encodeURIComponent(item.code)}` })}
    >
      <View className='list__main list__main--flush'>
        <Text className='list__title block'>{item.name}</Text>
        <Text className='caption muted block'>
          {item.department.name} · {item.region.name}
        </Text>
        <View className='list__line'>
          {item.zero_visit ? (
            <Text className='tag tag--ok tag--first'>{t('item.zeroVisit')}</Text>
          ) : item.at_most_one_visit ? (
            <Text className='tag tag--first'>{t('item.atMostOne')}</Text>
          ) : null}
          {item.online_depth >= 4 && <Text className='tag'>{t('item.depth.4').split('·').pop()?.trim()}</Text>}
        </View>
      </View>
      <Text className='list__arrow'>›</Text>
    </View>
  )
}
