import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import CrowdLevel from '../../components/CrowdLevel'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireLogin } from '../../components/auth'
import { crowdBoard, getSpot, subscribeCrowd, type PriceRow } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { labelOf } from '../../utils/labels'
import { priceText } from './money'
import '../office/office.css'
import './tourism.css'

/**
 * A spot's page: its introduction, opening hours, the published maximums (日最大承载量, 瞬时最大承载量)
 * and the share sold, today's advisories, the price table (who pays what, and what must be shown),
 * the crowd level now with nearby spots to go instead, 关注客流 (told of level changes), and 预约.
 */
export default function TourismSpot() {
  const t = useT()
  const locale = useLocale()
  const code = decodeURIComponent(useRouter().params.code ?? '')
  const self = `/pages/tourism/spot?code=${encodeURIComponent(code)}`
  const spot = useLoad(() => getSpot(code, { silent: true }), { when: 'show', deps: [locale] })
  // the level is a part of the page, not the page: a failed board leaves it out
  const crowd = useLoad(async () => (await crowdBoard(undefined, { silent: true })).find((c) => c.code === code) ?? null, {
    when: 'show',
    deps: [locale],
  })
  const [subscribed, setSubscribed] = useState(false)

  async function subscribe() {
    if (!requireLogin(self)) return
    await subscribeCrowd(code)
    setSubscribed(true)
    Taro.showToast({ title: t('tourism.subscribed'), icon: 'success' })
  }

  return (
    <PageShell testId='page-tourism-spot' title={spot.data?.name ?? t('service.tickets')} className='page--action'>
      <LoadState load={spot} testId='spot'>
        {(s) => (
          <>
            <View className='card' data-testid='spot-head' data-code={s.code}>
              <View className='card__head card__head--top'>
                <Text className='item-title'>{s.name}</Text>
                {crowd.data && <CrowdLevel level={crowd.data.level} label={crowd.data.level_label} />}
              </View>
              <Text className='body block'>{s.intro}</Text>
              {s.demo && <Text className='caption muted block' data-testid='spot-demo'>{t('tourism.demoNote')}</Text>}
              <View className='kv'>
                <KV k={t('tourism.kindLabel')}>{labelOf(t, s.kind, s.kind_label, 'tourism.kind')}</KV>
                <KV k={t('tourism.address')}>{s.address}</KV>
                <KV k={t('tourism.hours')}>{`${s.opens}–${s.closes}`}</KV>
                <KV k={t('tourism.dailyMax')} testId='spot-daily-max'>{t('tourism.people', { n: s.daily_max })}</KV>
                <KV k={t('tourism.instantMax')}>{t('tourism.people', { n: s.instant_max })}</KV>
                <KV k={t('tourism.policy')}>{t('tourism.policyValue', { percent: s.policy_percent })}</KV>
                <KV k={t('tourism.today')} testId='spot-today'>
                  {s.today === null
                    ? t('tourism.todayClosed')
                    : s.today.booking_required
                      ? t('tourism.todayLeft', { left: s.today.left, capacity: s.today.capacity })
                      : t('tourism.todayNoBooking', { left: s.today.left })}
                </KV>
              </View>
            </View>

            {s.advisories.length > 0 && (
              <View className='card card--warn' data-testid='spot-advisories'>
                <Text className='card__title'>{t('tourism.advisories')}</Text>
                {s.advisories.map((a, i) => (
                  <View key={i}>
                    {a.title && <Text className='item-title block'>{a.title}</Text>}
                    <Text className='body block'>{a.text}</Text>
                  </View>
                ))}
              </View>
            )}

            <View className='card' data-testid='spot-prices'>
              <Text className='card__title'>{t('tourism.prices')}</Text>
              {s.prices.map((p) => (
                <PriceLine key={p.category} row={p} />
              ))}
            </View>

            <View className='card' data-testid='spot-crowd'>
              <Text className='card__title'>{t('tourism.crowdNow')}</Text>
              {crowd.data ? (
                <>
                  <View className='kv'>
                    <KV k={t('tourism.inside')} testId='spot-inside'>{t('tourism.insideOf', { inside: crowd.data.inside, limit: crowd.data.limit })}</KV>
                    <KV k={t('tourism.soldToday')}>{t('tourism.soldOf', { sold: crowd.data.sold, capacity: crowd.data.capacity })}</KV>
                  </View>
                  {crowd.data.diversions.length > 0 && (
                    <>
                      <Text className='caption muted block'>{t('tourism.diversions')}</Text>
                      {crowd.data.diversions.map((d) => (
                        <View key={d.code} className='list__row list__row--tap' data-testid='diversion' onClick={() => Taro.navigateTo({ url: `/pages/tourism/spot?code=${encodeURIComponent(d.code)}` })}>
                          <View className='list__main'>
                            <Text className='list__title block'>{d.name}</Text>
                            <Text className='caption muted block'>{t('tourism.km', { km: d.km })}</Text>
                          </View>
                          <CrowdLevel level={d.level} label={d.level_label} testId='diversion-level' />
                        </View>
                      ))}
                    </>
                  )}
                </>
              ) : (
                <Text className='caption muted block'>{crowd.loading ? t('common.loading') : t('tourism.crowdUnknown')}</Text>
              )}
              <View className={`btn btn--ghost btn--block ${subscribed ? 'btn--busy' : ''}`} data-testid='crowd-subscribe' onClick={() => !subscribed && subscribe()}>
                {subscribed ? t('tourism.subscribed') : t('tourism.subscribe')}
              </View>
            </View>

            <View className='action-bar'>
              <View
                className='btn btn--primary btn--block'
                data-testid='spot-book'
                onClick={() => requireLogin(`/pages/tourism/book?code=${encodeURIComponent(s.code)}`) && Taro.navigateTo({ url: `/pages/tourism/book?code=${encodeURIComponent(s.code)}` })}
              >
                {t('tourism.book')}
              </View>
            </View>
          </>
        )}
      </LoadState>
    </PageShell>
  )
}

function PriceLine({ row }: { row: PriceRow }) {
  const t = useT()
  const ages =
    row.first_age === null ? null : row.last_age === null ? t('tourism.ageFrom', { first: row.first_age }) : t('tourism.ages', { first: row.first_age, last: row.last_age })
  return (
    <View className='tour-line' data-testid='price-row' data-category={row.category}>
      <View className='tour-line__head'>
        <Text className='list__title'>{labelOf(t, row.category, row.category_label, 'tourism.category')}</Text>
        <Text className={`tour-amount ${row.amount_cents === 0 ? 'tour-amount--free' : ''}`}>{priceText(t, row.amount_cents)}</Text>
      </View>
      <Text className='caption muted block'>
        {[ages, row.proof ? t('tourism.proof', { proof: row.proof }) : null].filter(Boolean).join(' · ') || t('tourism.fullPrice')}
      </Text>
    </View>
  )
}
