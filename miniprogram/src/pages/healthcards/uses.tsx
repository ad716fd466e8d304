import { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireLogin } from '../../components/auth'
import { healthCardUses } from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { formatDateTime } from '../../utils/format'
import '../office/office.css'
import './healthcards.css'

/** Every use of a health card: which site scanned it, when, and for what (register, treat, pay). */
export default function HealthCardUses() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const load = useLoad(
    () => (requireLogin(`/pages/healthcards/uses?id=${id}`) ? healthCardUses(id, { silent: true }) : new Promise<never>(() => undefined)),
    { when: 'show' },
  )

  const purpose = (p: string) =>
    ['register', 'treat', 'pay'].includes(p) ? t(`hc.purpose.${p}` as MessageKey) : p

  return (
    <PageShell testId='page-health-card-uses' title={t('hc.uses')}>
      <View className='card'>
        <Text className='card__title'>{t('hc.uses')}</Text>
        <LoadState load={load} testId='hc-uses' card={false} isEmpty={(uses) => uses.length === 0} empty={t('hc.usesEmpty')}>
          {(uses) => (
            <View className='list' data-testid='hc-uses-list'>
              {uses.map((u) => (
                <View key={u.id} className='list__row' data-testid='hc-use' data-site={u.site_code} data-purpose={u.purpose}>
                  <View className='list__main list__main--flush'>
                    <Text className='list__title block'>{u.site_label ?? u.site_name ?? t('hc.siteUnknown')}</Text>
                    <Text className='caption muted block'>{formatDateTime(u.used_at)}</Text>
                  </View>
                  <Text className='chip chip--info hc-use__purpose'>{purpose(u.purpose)}</Text>
                </View>
              ))}
            </View>
          )}
        </LoadState>
      </View>
    </PageShell>
  )
}
