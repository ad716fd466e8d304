import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import LoadState, { useLoad } from '../../components/LoadState'
import { getSite, type BookableService, type SiteDetail } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { yuan } from '../../utils/format'
import '../office/office.css'
import './appointments.css'

/** One site: a hall's business types, or a hospital's doctors grouped by department (title, fee). */
export default function AppointmentSite() {
  const t = useT()
  const locale = useLocale()
  const code = decodeURIComponent(useRouter().params.code ?? '')
  const site = useLoad(() => getSite(code, { silent: true }), { deps: [code, locale] })

  return (
    <PageShell testId='page-appointment-site' title={site.data?.name ?? t('service.appointment')}>
      <LoadState load={site} testId='site'>
        {(found) => <SiteServices site={found} />}
      </LoadState>
    </PageShell>
  )
}

/** The site's head and what it offers. */
function SiteServices({ site }: { site: SiteDetail }) {
  const t = useT()
  const open = (s: BookableService) =>
    Taro.navigateTo({ url: `/pages/appointments/slots?site=${encodeURIComponent(site.code)}&service=${s.id}` })
  // hospitals: doctors under their departments, in the order the site lists them
  const groups: { title: string | null; services: BookableService[] }[] = []
  for (const s of site.services) {
    const title = site.kind === 'hospital' ? s.department ?? '' : null
    const group = groups.find((g) => g.title === title)
    if (group) group.services.push(s)
    else groups.push({ title, services: [s] })
  }

  return (
    <>
      <View className='card' data-testid='site-head' data-code={site.code}>
        <Text className='item-title block'>{site.name}</Text>
        <Text className='caption muted block'>{site.address}</Text>
      </View>
      <View className='card' data-testid='services'>
        <Text className='card__title'>{site.kind === 'hospital' ? t('appt.doctors') : t('appt.businessTypes')}</Text>
        {site.services.length === 0 && <Text className='body muted'>{t('common.none')}</Text>}
        {groups.map((g) => (
          <View key={g.title ?? '-'} data-testid='department' data-department={g.title ?? ''}>
            {g.title && <Text className='dept__title'>{g.title}</Text>}
            <View className='list'>
              {g.services.map((s) => (
                <View key={s.id} className='list__row list__row--tap' data-testid='service' data-code={s.code} data-id={s.id} onClick={() => open(s)}>
                  <View className='list__main list__main--flush'>
                    <View className='list__line'>
                      <Text className='list__title'>{s.name}</Text>
                      {s.doctor_title && <Text className='tag'>{s.doctor_title}</Text>}
                    </View>
                    <Text className='caption muted block'>{t('appt.queueType', { type: s.business_type })}</Text>
                  </View>
                  <View className='list__side'>
                    <Text className={`caption fee ${s.fee_fen > 0 ? '' : 'fee--free'}`} data-testid='service-fee'>
                      {s.fee_fen > 0 ? `¥${yuan(s.fee_fen)}` : t('appt.free')}
                    </Text>
                  </View>
                  <Text className='list__arrow'>›</Text>
                </View>
              ))}
            </View>
          </View>
        ))}
      </View>
    </>
  )
}
