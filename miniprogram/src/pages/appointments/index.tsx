import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import Segmented from '../../components/Segmented'
import StandingNote from '../../components/StandingNote'
import LoadState, { useLoad } from '../../components/LoadState'
import { getStanding, isLoggedIn, listSites, SITE_KINDS, type SiteKind } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { load, save } from '../../store/storage'
import '../office/office.css'
import './appointments.css'

/** 预约: service halls (取号) and hospitals (挂号); my appointments; the no-show standing. */
export default function Appointments() {
  const t = useT()
  const locale = useLocale()
  const [kind, setKind] = useState<SiteKind>(load<SiteKind>('apptKind', 'hall'))
  // a failed list says so with 重试 (it once read as "no sites"); the standing is a note, silent if it fails
  const sites = useLoad(() => listSites(kind, { silent: true }), { deps: [kind, locale] })
  const standing = useLoad(() => getStanding({ silent: true }), { when: 'show', skip: !isLoggedIn() })

  function pick(k: SiteKind) {
    setKind(k)
    save('apptKind', k)
  }

  return (
    <PageShell testId='page-appointments' title={t('service.appointment')}>
      <View className='appt-hero'>
        <Text className='appt-hero__title'>{t('appt.title')}</Text>
        <Text className='appt-hero__hint'>{t('appt.hint')}</Text>
      </View>
      <View
        className='card card--overlap card--link'
        data-testid='link-my-appointments'
        onClick={() => Taro.navigateTo({ url: '/pages/appointments/mine' })}
      >
        <View className='setting__text'>
          <Text className='setting__label'>{t('appt.mine')}</Text>
          <Text className='caption muted'>{t('appt.mineHint')}</Text>
        </View>
        <Text className='list__arrow'>›</Text>
      </View>
      <StandingNote standing={standing.data} />
      <View className='card'>
        <Segmented testIdPrefix='site-kind' value={kind} onChange={pick} options={SITE_KINDS.map((k) => ({ value: k, label: t(`appt.kind.${k}`) }))} />
        <LoadState load={sites} testId='sites' card={false} isEmpty={(list) => list.length === 0} empty={t('appt.noSites')}>
          {(list) => (
            <View className='list' data-testid='sites'>
              {list.map((s) => (
                <View
                  key={s.code}
                  className='list__row list__row--tap'
                  data-testid='site'
                  data-code={s.code}
                  onClick={() => Taro.navigateTo({ url: `/pages/appointments/site?code=${encodeURIComponent(s.code)}` })}
                >
                  <View className={`site__icon ${s.kind === 'hospital' ? 'site__icon--hospital' : ''}`}>
                    <Text>{t(s.kind === 'hospital' ? 'appt.glyph.hospital' : 'appt.glyph.hall')}</Text>
                  </View>
                  <View className='list__main'>
                    <Text className='list__title block'>{s.name}</Text>
                    <Text className='caption muted block'>{s.address}</Text>
                  </View>
                  <Text className='list__arrow'>›</Text>
                </View>
              ))}
            </View>
          )}
        </LoadState>
      </View>
    </PageShell>
  )
}
