import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useT, type MessageKey } from '../i18n'

const LINKS: { key: string; glyph: string; label: MessageKey; url: string }[] = [
  { key: 'applications', glyph: '件', label: 'office.myApplications', url: '/pages/applications/index' },
  { key: 'wallet', glyph: '证', label: 'office.wallet', url: '/pages/certificates/index' },
  { key: 'payments', glyph: '缴', label: 'office.payments', url: '/pages/payments/index' },
  { key: 'inbox', glyph: '信', label: 'office.inbox', url: '/pages/inbox/index' },
]

/** The resident's palm-office shortcuts: my applications, e-certificate wallet, payments, inbox. */
export default function OfficeLinks() {
  const t = useT()
  return (
    <View className='office-links' data-testid='office-links'>
      {LINKS.map((l) => (
        <View key={l.key} className='office-links__item' data-testid={`link-${l.key}`} onClick={() => Taro.navigateTo({ url: l.url })}>
          <View className='office-links__icon'>
            <Text>{l.glyph}</Text>
          </View>
          <Text className='office-links__label'>{t(l.label)}</Text>
        </View>
      ))}
    </View>
  )
}
