import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useT, type MessageKey } from '../i18n'

/** A resident's own things, one tap away: on the home page (the first four) and on 我的 (all). */
export interface Shortcut {
  key: 'cards' | 'applications' | 'appointments' | 'inbox' | 'certificates' | 'healthcards' | 'payments' | 'family'
  glyph: string
  color: string
  label: MessageKey
  url: string
}

export const SHORTCUTS: Shortcut[] = [
  { key: 'cards', glyph: '卡', color: '#f5484b', label: 'cards.title', url: '/pages/wallet/index' },
  { key: 'applications', glyph: '件', color: '#1677ff', label: 'office.myApplications', url: '/pages/applications/index' },
  { key: 'appointments', glyph: '约', color: '#13a8a8', label: 'appt.mine', url: '/pages/appointments/mine' },
  { key: 'inbox', glyph: '信', color: '#fa8c16', label: 'office.inbox', url: '/pages/inbox/index' },
  { key: 'certificates', glyph: '证', color: '#722ed1', label: 'office.wallet', url: '/pages/certificates/index' },
  { key: 'healthcards', glyph: '健', color: '#eb2f96', label: 'cards.healthCards', url: '/pages/healthcards/index' },
  { key: 'payments', glyph: '缴', color: '#52c41a', label: 'office.payments', url: '/pages/payments/index' },
  { key: 'family', glyph: '家', color: '#2f54eb', label: 'profile.family', url: '/pages/family/index' },
]

/** The shortcuts as a grid of four a row; `badges` puts a count on one (the inbox's unread). */
export default function Shortcuts({ count = SHORTCUTS.length, badges = {}, testId, itemTestId = 'shortcut' }: {
  count?: number
  badges?: Partial<Record<Shortcut['key'], number>>
  testId: string
  /** each item is `<itemTestId>-<key>` (我的 keeps its older link-payments, link-inbox…) */
  itemTestId?: string
}) {
  const t = useT()
  return (
    <View className='shortcuts' data-testid={testId}>
      {SHORTCUTS.slice(0, count).map((s) => (
        <View key={s.key} className='shortcuts__item' data-testid={`${itemTestId}-${s.key}`} onClick={() => Taro.navigateTo({ url: s.url })}>
          <View className='shortcuts__icon' style={{ background: s.color }}>
            <Text>{s.glyph}</Text>
            {!!badges[s.key] && <Text className='badge shortcuts__badge'>{(badges[s.key] ?? 0) > 99 ? '99+' : badges[s.key]}</Text>}
          </View>
          <Text className='shortcuts__label'>{t(s.label)}</Text>
        </View>
      ))}
    </View>
  )
}
