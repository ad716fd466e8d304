import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import CrowdLevel from '../../components/CrowdLevel'
import LoadState, { useLoad } from '../../components/LoadState'
import { crowdBoard, listSpots, type Spot, type SpotCrowd } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { labelOf } from '../../utils/labels'
import { priceText } from './money'
import '../office/office.css'
import './tourism.css'

/** 景区预约: every spot with today's entries left and its crowd level now; my tickets, waitlist, complaints. */
export default function TourismSpots() {
  const t = useT()
  const locale = useLocale()
  // the list and the levels load together: the level is part of each row (a failed board says so)
  const spots = useLoad(
    async () => {
      const [list, crowd] = await Promise.all([listSpots(undefined, { silent: true }), crowdBoard(undefined, { silent: true })])
      const levels: Record<string, SpotCrowd> = {}
      for (const c of crowd) levels[c.code] = c
      return list.map((spot) => ({ spot, crowd: levels[spot.code] ?? null }))
    },
    { when: 'show', deps: [locale] },
  )
  const go = (url: string) => Taro.navigateTo({ url })
  const links: { key: string; label: string; url: string }[] = [
    { key: 'orders', label: t('tourism.myTickets'), url: '/pages/tourism/orders' },
    { key: 'waitlist', label: t('tourism.myWaitlist'), url: '/pages/tourism/waitlist' },
    { key: 'complaints', label: t('tourism.myComplaints'), url: '/pages/tourism/complaints' },
    { key: 'board', label: t('tourism.board'), url: '/pages/tourism/board' },
  ]

  return (
    <PageShell testId='page-tourism' title={t('service.tickets')}>
      <View className='tour-hero'>
        <Text className='tour-hero__title'>{t('tourism.title')}</Text>
        <Text className='tour-hero__hint'>{t('tourism.hint')}</Text>
      </View>
      <View className='card card--overlap'>
        <View className='tour-links'>
          {links.map((l) => (
            <View key={l.key} className='btn btn--ghost btn--small tour-links__item' data-testid={`tourism-link-${l.key}`} onClick={() => go(l.url)}>
              {l.label}
            </View>
          ))}
        </View>
      </View>
      <View className='card'>
        <Text className='card__title'>{t('tourism.spots')}</Text>
        <LoadState load={spots} testId='spots' card={false} isEmpty={(list) => list.length === 0} empty={t('tourism.noSpots')}>
          {(list) => (
            <View className='list' data-testid='spots'>
              {list.map(({ spot, crowd }) => (
                <SpotRow key={spot.code} spot={spot} crowd={crowd} onTap={() => go(`/pages/tourism/spot?code=${encodeURIComponent(spot.code)}`)} />
              ))}
            </View>
          )}
        </LoadState>
      </View>
    </PageShell>
  )
}

function SpotRow({ spot, crowd, onTap }: { spot: Spot; crowd: SpotCrowd | null; onTap: () => void }) {
  const t = useT()
  const today = spot.today
  return (
    <View className='list__row list__row--tap' data-testid='spot' data-code={spot.code} onClick={onTap}>
      <View className='list__main'>
        <Text className='list__title block'>{spot.name}</Text>
        <Text className='caption muted block'>
          {[labelOf(t, spot.kind, spot.kind_label, 'tourism.kind'), `${spot.opens}–${spot.closes}`, priceText(t, spot.from_cents, true)].join(' · ')}
        </Text>
        <Text className='caption block' data-testid='spot-today'>
          {today === null
            ? t('tourism.todayClosed')
            : today.booking_required
              ? t('tourism.todayLeft', { left: today.left, capacity: today.capacity })
              : t('tourism.todayNoBooking', { left: today.left })}
        </Text>
      </View>
      <View className='list__side'>{crowd && <CrowdLevel level={crowd.level} label={crowd.level_label} />}</View>
      <Text className='list__arrow'>›</Text>
    </View>
  )
}
