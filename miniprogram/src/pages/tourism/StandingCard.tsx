import { Text, View } from '@tarojs/components'
import { useLoad } from '../../components/LoadState'
import { isLoggedIn, quotaUses, ticketStanding } from '../../api'
import { useT } from '../../i18n'
import { labelOf } from '../../utils/labels'

/**
 * My standing at a spot (its fair-use rules): no-shows counted and the day booking opens again when
 * locked, and the cancellations used of each period's quota. A note beside booking and my tickets:
 * silent when it cannot be read (the order itself is refused with the reason then).
 */
export default function StandingCard({ spot }: { spot: string }) {
  const t = useT()
  const standing = useLoad(() => ticketStanding(spot, { silent: true }), { when: 'show', skip: !isLoggedIn() || !spot, deps: [spot] })
  const s = standing.data
  if (!s) return null
  const quotas = quotaUses(s)
  return (
    <View className={`card ${s.locked_until ? 'card--warn' : ''}`} data-testid='ticket-standing' data-no-shows={s.no_shows} data-locked={s.locked_until ? 'true' : 'false'}>
      <Text className='card__title'>{t('tourism.standing')}</Text>
      <Text className='body block' data-testid='standing-no-shows'>{t('tourism.noShows', { n: s.no_shows })}</Text>
      {s.locked_until && (
        <Text className='body block bad-text' data-testid='standing-locked'>{t('tourism.lockedUntil', { day: s.locked_until.slice(0, 10) })}</Text>
      )}
      {quotas.map((q) => (
        <Text key={q.period} className='caption muted block' data-testid='standing-quota' data-period={q.period}>
          {q.allowed === null ? t('tourism.cancelNoQuota', { period: labelOf(t, q.period, q.period_label, 'tourism.period'), used: q.used }) : t('tourism.cancelQuota', { period: labelOf(t, q.period, q.period_label, 'tourism.period'), used: q.used, allowed: q.allowed })}
        </Text>
      ))}
    </View>
  )
}
