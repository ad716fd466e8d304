import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useT } from '../i18n'

export type TabKey = 'home' | 'me'

const TABS: { key: TabKey; url: string; glyph: string; label: 'tab.home' | 'tab.me' }[] = [
  { key: 'home', url: '/pages/index/index', glyph: '⌂', label: 'tab.home' },
  { key: 'me', url: '/pages/profile/index', glyph: '☺', label: 'tab.me' },
]

/** A light custom tab bar (no icon assets needed, same look on weapp and H5). */
export default function TabBar({ active }: { active: TabKey }) {
  const t = useT()
  return (
    <View className='tabbar' data-testid='tabbar'>
      {TABS.map((tab) => (
        <View
          key={tab.key}
          className={`tabbar__item ${tab.key === active ? 'tabbar__item--active' : ''}`}
          data-testid={`tab-${tab.key}`}
          onClick={() => {
            if (tab.key !== active) Taro.redirectTo({ url: tab.url })
          }}
        >
          <Text className='tabbar__glyph'>{tab.glyph}</Text>
          <Text className='tabbar__label'>{t(tab.label)}</Text>
        </View>
      ))}
    </View>
  )
}
