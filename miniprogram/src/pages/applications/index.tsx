import Taro from '@tarojs/taro'
import { View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import CaseRow from '../../components/CaseRow'
import LoadState, { useLoad } from '../../components/LoadState'
import { loginFirst } from '../../components/auth'
import { itemName, listApplications } from '../../api'
import { useT } from '../../i18n'

/** My applications (办件), newest first; a failure says so and offers 重试 (never "no applications"). */
export default function Applications() {
  const t = useT()
  const [names, setNames] = useState<Record<string, string>>({})
  const load = useLoad(
    async () => {
      await loginFirst('/pages/applications/index')
      const list = await listApplications({ silent: true })
      // older servers send item codes only: names then come from the catalogue (cached per language)
      for (const code of new Set(list.filter((a) => !a.item_label).map((a) => a.item_code))) {
        itemName(code).then((name) => setNames((prev) => ({ ...prev, [code]: name })))
      }
      return [...list].sort((a, b) => b.created_at.localeCompare(a.created_at))
    },
    { when: 'show' },
  )

  return (
    <PageShell testId='page-applications' title={t('apps.title')}>
      <LoadState
        load={load}
        testId='applications'
        isEmpty={(items) => items.length === 0}
        empty={t('apps.empty')}
        emptyAction={
          <View className='btn btn--primary btn--block' data-testid='applications-go-office' onClick={() => Taro.navigateTo({ url: '/pages/office/index' })}>
            {t('apps.goOffice')}
          </View>
        }
      >
        {(items) => (
          <View className='card'>
            <View className='list'>
              {items.map((a) => (
                <CaseRow key={a.id} c={a} testId='application' url='/pages/applications/detail' name={a.item_label ?? names[a.item_code] ?? t('common.loading')} />
              ))}
            </View>
          </View>
        )}
      </LoadState>
    </PageShell>
  )
}
