import { useDidShow, useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import { requireLogin } from '../../components/auth'
import { healthCardUses, type CardUse } from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { formatDateTime } from '../../utils/format'
import '../office/office.css'
import './healthcards.css'

/** Every use of a health card: which site scanned it, when, and for what (register, treat, pay). */
export default function HealthCardUses() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const [uses, setUses] = useState<CardUse[] | null>(null)

  useDidShow(() => {
    if (!requireLogin(`/pages/healthcards/uses?id=${id}`)) return
    healthCardUses(id)
      .then(setUses)
      .catch(() => setUses([]))
  })

  const purpose = (p: string) =>
    ['register', 'treat', 'pay'].includes(p) ? t(`hc.purpose.${p}` as MessageKey) : p

  return (
    <PageShell testId='page-health-card-uses' title={t('hc.uses')}>
      <View className='card'>
        <Text className='card__title'>{t('hc.uses')}</Text>
        {uses === null ? (
          <Text className='body muted'>{t('common.loading')}</Text>
        ) : uses.length === 0 ? (
          <Text className='body muted' data-testid='hc-uses-empty'>{t('hc.usesEmpty')}</Text>
        ) : (
          <View className='list' data-testid='hc-uses-list'>
            {uses.map((u) => (
              <View key={u.id} className='list__row' data-testid='hc-use' data-site={u.site_code} data-purpose={u.purpose}>
                <View className='list__main list__main--flush'>
                  <Text className='list__title block'>{u.site_name ?? u.site_code}</Text>
                  <Text className='caption muted block'>{formatDateTime(u.used_at)}</Text>
                </View>
                <Text className='chip chip--info hc-use__purpose'>{purpose(u.purpose)}</Text>
              </View>
            ))}
          </View>
        )}
      </View>
    </PageShell>
  )
}
