import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import type { Item } from '../api'
import { useT } from '../i18n'

/**
 * An item only enterprises apply for (its applicant kinds are `enterprise` alone; the server's
 * `for_enterprises` when it sends it). Residents cannot apply for it here until the enterprise
 * channel exists, so the page says so instead of offering 立即申请 and a dead end.
 */
export function forEnterprises(item: Pick<Item, 'document'> & { for_enterprises?: boolean }): boolean {
  if (typeof item.for_enterprises === 'boolean') return item.for_enterprises
  const kinds = item.document.applicant_kinds
  return kinds.length > 0 && kinds.every((k) => k === 'enterprise')
}

export default function EnterpriseNotice() {
  const t = useT()
  return (
    <View className='card card--warn' data-testid='item-enterprise'>
      <Text className='card__title'>{t('item.enterpriseTitle')}</Text>
      <Text className='body block'>{t('item.enterpriseBody')}</Text>
      <View className='btn btn--ghost btn--block' data-testid='item-enterprise-back' onClick={() => Taro.navigateBack().catch(() => Taro.reLaunch({ url: '/pages/office/index' }))}>
        {t('item.enterpriseBack')}
      </View>
    </View>
  )
}
