import { useDidHide, useDidShow, useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import CrowdLevel from '../../components/CrowdLevel'
import LoadState, { useLoad } from '../../components/LoadState'
import { crowdBoard, type SpotCrowd } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { chinaParts } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import './board.css'

/** Seconds between two reads of the board. */
const EVERY = 15

/**
 * The public crowd board (big screen, no login): each spot's level, inside of the limit at once, sold
 * of today's limit, and where to go instead (lower levels nearby). `?region=441800` for a region,
 * `?spot=CODE` for one spot. Read again every 15 seconds while shown.
 */
export default function CrowdBoard() {
  const t = useT()
  const locale = useLocale()
  const params = useRouter().params
  const region = params.region ? decodeURIComponent(params.region) : undefined
  const only = params.spot ? decodeURIComponent(params.spot) : null
  const board = useLoad(
    async () => {
      const spots = await crowdBoard(region, { silent: true })
      return { spots: only ? spots.filter((s) => s.code === only) : spots, at: new Date().toISOString() }
    },
    { deps: [locale, region, only] },
  )
  const [shown, setShown] = useState(true)
  useDidShow(() => setShown(true))
  useDidHide(() => setShown(false))
  useEffect(() => {
    if (!shown) return undefined
    const timer = setInterval(() => board.reload(), EVERY * 1000)
    return () => clearInterval(timer)
  }, [shown])

  return (
    <PageShell testId='page-crowd-board' title={t('tourism.board')} className='board'>
      <LoadState load={board} testId='board' isEmpty={(b) => b.spots.length === 0} empty={t('tourism.noSpots')}>
        {(b) => (
          <>
            <Text className='caption muted block board__at' data-testid='board-at'>{t('tourism.boardAt', { time: chinaParts(b.at).time, n: EVERY })}</Text>
            {b.spots.map((s) => (
              <BoardSpot key={s.code} s={s} />
            ))}
          </>
        )}
      </LoadState>
    </PageShell>
  )
}

function BoardSpot({ s }: { s: SpotCrowd }) {
  const t = useT()
  return (
    <View className={`card board__spot board__spot--${s.level}`} data-testid='board-spot' data-code={s.code} data-level={s.level} data-inside={s.inside}>
      <View className='card__head card__head--top'>
        <Text className='board__name'>{s.name}</Text>
        <CrowdLevel level={s.level} label={s.level_label} big testId='board-level' />
      </View>
      <View className='board__figures'>
        <View className='board__figure'>
          <Text className='board__value block' data-testid='board-inside'>{`${s.inside} / ${s.limit}`}</Text>
          <Text className='caption muted block'>{t('tourism.inside')}</Text>
        </View>
        <View className='board__figure'>
          <Text className='board__value block'>{`${s.sold} / ${s.capacity}`}</Text>
          <Text className='caption muted block'>{t('tourism.soldToday')}</Text>
        </View>
      </View>
      {s.diversions.length > 0 && (
        <Text className='body block' data-testid='board-diversions'>
          {t('tourism.goInstead', { spots: s.diversions.map((d) => `${d.name}（${labelOf(t, d.level, d.level_label, 'tourism.level')} ${t('tourism.km', { km: d.km })}）`).join('、') })}
        </Text>
      )}
    </View>
  )
}
