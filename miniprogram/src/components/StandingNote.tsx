import { Text, View } from '@tarojs/components'
import type { Standing } from '../api'
import { useT } from '../i18n'

/**
 * The resident's no-show standing: nothing while there is none; a warning with the count and the
 * limit; booking suspended until a date.
 */
export default function StandingNote({ standing }: { standing: Standing | null }) {
  const t = useT()
  if (!standing || (standing.no_shows === 0 && !standing.suspended_until)) return null
  const suspended = !!standing.suspended_until
  return (
    <View
      className='card card--warn'
      data-testid='standing'
      data-no-shows={standing.no_shows}
      data-suspended={suspended ? 'true' : 'false'}
    >
      <Text className='card__title'>{suspended ? t('appt.suspended') : t('appt.noShowsTitle')}</Text>
      <Text className='body block'>
        {t('appt.noShows', { n: standing.no_shows, days: standing.window_days, limit: standing.limit })}
      </Text>
      {suspended && (
        <Text className='body block warn-text' data-testid='standing-until'>
          {t('appt.suspendedUntil', { date: standing.suspended_until ?? '' })}
        </Text>
      )}
    </View>
  )
}
