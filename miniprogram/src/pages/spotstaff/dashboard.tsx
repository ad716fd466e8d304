import { useDidHide, useDidShow, useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import CrowdLevel from '../../components/CrowdLevel'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireStaff } from '../../components/staffAuth'
import { spotDashboard, staffAlerts, type Dashboard, type LevelPoint, type StaffAlert } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { chinaDateTime, chinaParts } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import './spotstaff.css'

/** Seconds between two reads. */
const EVERY = 30

/** The level over time, whichever name the series has. */
const seriesOf = (d: Dashboard): LevelPoint[] => d.levels ?? d.changes ?? d.series ?? []

/**
 * 景区看板: today at the spot (sold online and at the window of the day's limit, the window's share
 * left, inside of the limit, entered and exited), the crowd level now and over the day as a chart
 * (one bar per change, its height the level), and the staff alerts. Read again every 30 seconds.
 */
export default function SpotDashboard() {
  const t = useT()
  const locale = useLocale()
  const spot = decodeURIComponent(useRouter().params.spot ?? '')
  const self = `/pages/spotstaff/dashboard?spot=${encodeURIComponent(spot)}`
  const dash = useLoad(() => (requireStaff(self) ? spotDashboard(spot, { silent: true }) : new Promise<never>(() => undefined)), { when: 'show', deps: [locale] })
  const alerts = useLoad(() => (requireStaff(self) ? staffAlerts({ silent: true }) : new Promise<never>(() => undefined)), { when: 'show', deps: [locale] })
  const [shown, setShown] = useState(true)
  useDidShow(() => setShown(true))
  useDidHide(() => setShown(false))
  useEffect(() => {
    if (!shown) return undefined
    const timer = setInterval(() => {
      dash.reload()
      alerts.reload()
    }, EVERY * 1000)
    return () => clearInterval(timer)
  }, [shown])

  return (
    <PageShell testId='page-spotstaff-dashboard' title={t('spotstaff.dashboard')}>
      <StaffHero back={self} />
      <LoadState load={dash} testId='dashboard'>
        {(d) => (
          <>
            <View className='card card--overlap' data-testid='dashboard-now' data-level={d.level} data-inside={d.inside}>
              <View className='card__head'>
                <Text className='item-title'>{d.spot_name ?? ''}</Text>
                <CrowdLevel level={d.level} label={d.level_label} />
              </View>
              <View className='dash__figures'>
                <Figure label={t('spotstaff.soldOnline')} value={d.sold_online} testId='dash-sold-online' />
                <Figure label={t('spotstaff.soldWindow')} value={d.sold_window} testId='dash-sold-window' />
                <Figure label={t('spotstaff.capacity')} value={d.capacity} />
                <Figure label={t('spotstaff.walkInLeft')} value={d.walk_in_left} />
                <Figure label={t('tourism.inside')} value={`${d.inside} / ${d.limit}`} testId='dash-inside' />
                <Figure label={t('spotstaff.enteredExited')} value={d.entered === undefined ? undefined : `${d.entered} / ${d.exited ?? 0}`} />
              </View>
            </View>
            <LevelChart points={seriesOf(d)} />
          </>
        )}
      </LoadState>
      <View className='card' data-testid='staff-alerts'>
        <Text className='card__title'>{t('spotstaff.alerts')}</Text>
        <LoadState load={alerts} testId='alerts' card={false} isEmpty={(list) => list.length === 0} empty={t('spotstaff.noAlerts')}>
          {(list) => (
            <>
              {list.map((a) => (
                <AlertRow key={a.id} a={a} />
              ))}
            </>
          )}
        </LoadState>
      </View>
    </PageShell>
  )
}

function Figure({ label, value, testId }: { label: string; value: number | string | undefined; testId?: string }) {
  if (value === undefined) return null
  return (
    <View className='dash__figure'>
      <Text className='dash__value block' data-testid={testId}>{String(value)}</Text>
      <Text className='caption muted block'>{label}</Text>
    </View>
  )
}

/**
 * The level over the day as steps: one bar per point, as wide as the time it held (to the next
 * point, the last one to now) and as high as its level; the first and last times under it.
 */
function LevelChart({ points }: { points: LevelPoint[] }) {
  const t = useT()
  const now = Date.now()
  const spans = points.map((p, i) => Math.max(1, (i + 1 < points.length ? Date.parse(points[i + 1].at) : now) - Date.parse(p.at)))
  return (
    <View className='card' data-testid='level-chart' data-points={points.length}>
      <Text className='card__title'>{t('spotstaff.levelOverTime')}</Text>
      {points.length === 0 ? (
        <Text className='caption muted block'>{t('spotstaff.noChanges')}</Text>
      ) : (
        <>
          <View className='chart'>
            {points.map((p, i) => (
              <View key={i} className={`chart__bar chart__bar--${p.level}`} data-level={p.level} style={{ flexGrow: spans[i] }} />
            ))}
          </View>
          <View className='chart__axis'>
            <Text className='caption muted'>{chinaParts(points[0].at).time}</Text>
            <Text className='caption muted'>{chinaParts(new Date(now).toISOString()).time}</Text>
          </View>
          <Text className='caption block'>
            {points
              .slice(-4)
              .map((p) => `${chinaParts(p.at).time} ${labelOf(t, p.level, p.level_label, 'tourism.level')}`)
              .join(' → ')}
          </Text>
        </>
      )}
    </View>
  )
}

function AlertRow({ a }: { a: StaffAlert }) {
  return (
    <View className='tour-line' data-testid='staff-alert' data-id={a.id}>
      <Text className='body block'>{a.title}</Text>
      {a.body && <Text className='caption block'>{a.body}</Text>}
      <Text className='caption muted block'>{chinaDateTime(a.created_at)}</Text>
    </View>
  )
}
