import Taro, { useDidShow } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StateBadge from '../../components/StateBadge'
import { requireLogin } from '../../components/auth'
import { itemName, listApplications, type Application } from '../../api'
import { useT } from '../../i18n'
import { formatDateTime } from '../../utils/format'
import '../office/office.css'

/** My applications (办件), newest first. */
export default function Applications() {
  const t = useT()
  const [items, setItems] = useState<Application[] | null>(null)
  const [names, setNames] = useState<Record<string, string>>({})

  useDidShow(() => {
    if (!requireLogin('/pages/applications/index')) return
    listApplications()
      .then((list) => {
        setItems([...list].sort((a, b) => b.created_at.localeCompare(a.created_at)))
        // the list carries item codes only: names come from the catalogue (cached per language)
        for (const code of new Set(list.map((a) => a.item_code))) {
          itemName(code).then((name) => setNames((prev) => ({ ...prev, [code]: name })))
        }
      })
      .catch(() => setItems([]))
  })

  return (
    <PageShell testId='page-applications' title={t('apps.title')}>
      <View className='card'>
        {items === null ? (
          <Text className='body muted'>{t('common.loading')}</Text>
        ) : items.length === 0 ? (
          <View>
            <Text className='body muted block' data-testid='applications-empty'>{t('apps.empty')}</Text>
            <View className='btn btn--primary btn--block' onClick={() => Taro.navigateTo({ url: '/pages/office/index' })}>
              {t('apps.goOffice')}
            </View>
          </View>
        ) : (
          <View className='list'>
            {items.map((a) => (
              <View
                key={a.id}
                className='list__row list__row--tap'
                data-testid='application'
                data-id={a.id}
                data-item={a.item_code}
                data-state={a.state}
                onClick={() => Taro.navigateTo({ url: `/pages/applications/detail?id=${a.id}` })}
              >
                <View className='list__main list__main--flush'>
                  <Text className='list__title block' data-testid='application-name'>{names[a.item_code] ?? a.item_code}</Text>
                  <Text className='caption muted block mono'>
                    {a.number} · {formatDateTime(a.submitted_at ?? a.created_at)}
                  </Text>
                </View>
                <StateBadge state={a.state} />
              </View>
            ))}
          </View>
        )}
      </View>
    </PageShell>
  )
}
