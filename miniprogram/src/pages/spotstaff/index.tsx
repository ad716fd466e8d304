import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import ChipSelect from '../../components/ChipSelect'
import CrowdLevel from '../../components/CrowdLevel'
import LoadState, { useLoad } from '../../components/LoadState'
import { isCaseOfficer, requireStaff } from '../../components/staffAuth'
import { crowdBoard, useStaff } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { chooseSpot, chosenSpot, mySpots } from '../../components/spotStaff'
import '../office/office.css'
import './spotstaff.css'

const PAGES = ['gate', 'window', 'dashboard', 'complaints', 'manage'] as const

/**
 * 景区工作台 (staff of a spot: the scopes are spot codes): choose the spot, see its level now, and
 * open the gate (检票: ticket QR, ID number, entries and exits), the window (售票), the dashboard or
 * (managers) the visitors' complaints and the spot's notices and limits.
 */
export default function SpotStaff() {
  const t = useT()
  const locale = useLocale()
  const staff = useStaff()
  const asked = useRouter().params.spot
  const spots = useLoad(() => (requireStaff('/pages/spotstaff/index') ? mySpots() : new Promise<never>(() => undefined)), { when: 'show', deps: [locale] })
  const [spot, setSpot] = useState<string | null>(null)
  useEffect(() => {
    if (spots.data && !spot) setSpot(chosenSpot(spots.data, asked))
  }, [spots.data])
  const crowd = useLoad(async () => (await crowdBoard(undefined, { silent: true })).find((c) => c.code === spot) ?? null, { when: 'show', deps: [spot, locale], skip: !spot })

  function pick(code: string) {
    setSpot(code)
    chooseSpot(code)
  }
  // complaints are the manager's (the answer) and case officers' (the rest); the gate and window have none
  const handlesComplaints = !!staff && staff.roles.some((r) => r === 'spot_manager' || r === 'case_officer')
  // the spot's notices are its manager's and case officers' (domain/tourism/manage.py PUBLISHERS), its
  // limits the manager's only (pages/spotstaff/manage)
  const manages = !!staff && (staff.roles.includes('spot_manager') || isCaseOfficer(staff))
  const go = (page: string) => spot && Taro.navigateTo({ url: `/pages/spotstaff/${page}?spot=${encodeURIComponent(spot)}` })

  return (
    <PageShell testId='page-spotstaff' title={t('spotstaff.title')}>
      <StaffHero back='/pages/spotstaff/index' />
      <LoadState load={spots} testId='staff-spots' isEmpty={(list) => list.length === 0} empty={t('spotstaff.noSpots')}>
        {(list) => (
          <>
            <View className='card card--overlap'>
              <Text className='card__title'>{t('spotstaff.spot')}</Text>
              <ChipSelect testIdPrefix='staff-spot' value={spot} onChange={pick} options={list.map((s) => ({ value: s.code, label: s.name }))} />
              {crowd.data && (
                <View className='card__head' data-testid='staff-crowd'>
                  <Text className='body'>{t('tourism.insideOf', { inside: crowd.data.inside, limit: crowd.data.limit })}</Text>
                  <CrowdLevel level={crowd.data.level} label={crowd.data.level_label} />
                </View>
              )}
            </View>
            {PAGES.filter((page) => (page !== 'complaints' || handlesComplaints) && (page !== 'manage' || manages)).map((page) => (
              <View key={page} className='card card--link' data-testid={`spotstaff-${page}`} onClick={() => go(page)}>
                <View className='setting__text'>
                  <Text className='setting__label'>{t(`spotstaff.${page}`)}</Text>
                  <Text className='caption muted'>{t(`spotstaff.${page}.hint`)}</Text>
                </View>
                <Text className='list__arrow'>›</Text>
              </View>
            ))}
          </>
        )}
      </LoadState>
    </PageShell>
  )
}
