import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useT } from '../i18n'

export type TabKey = 'home' | 'me'

const TABS: { key: TabKey; url: string; label: 'tab.home' | 'tab.me' }[] = [
  { key: 'home', url: '/pages/index/index', label: 'tab.home' },
  { key: 'me', url: '/pages/profile/index', label: 'tab.me' },
]

/** A light custom tab bar (inline SVG icons in app.css; same look on weapp and H5). */
export default function TabBar({ active }: { active: TabKey }) {
  const t = useT()
  return (
    <View className='tabbar' data-testid='tabbar'>
      {TABS.map((tab) => {
        const on = tab.key === active
        return (
          <View
            key={tab.key}
            className={`tabbar__item ${on ? 'tabbar__item--active' : ''}`}
            data-testid={`tab-${tab.key}`}
            onClick={() => {
              if (!on) Taro.redirectTo({ url: tab.url })
            }}
          >
            <View className={`tabbar__icon tabbar__icon--${tab.key}${on ? '--active' : ''}`} />
            <Text className='tabbar__label'>{t(tab.label)}</Text>
          </View>
        )
      })}
    </View>
  )
}
