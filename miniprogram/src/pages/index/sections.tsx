import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import ItemRow from '../../components/ItemRow'
import LoadState, { useLoad } from '../../components/LoadState'
import { refreshFavourites } from '../../components/favourites'
import { itemName, nearbySites, type NearbySite, type Position } from '../../api'
import { useT } from '../../i18n'
import { useRecentItems, type RecentItem } from '../../store/recent'
import { useLocale } from '../../store/settings'

const openItem = (code: string) => Taro.navigateTo({ url: `/pages/office/item?code=${encodeURIComponent(code)}` })

/** 我的收藏: the items I keep (on the server, read again each time home shows), each opening its guide. */
export function Favourites({ loggedIn }: { loggedIn: boolean }) {
  const t = useT()
  const locale = useLocale()
  const load = useLoad(refreshFavourites, { when: 'show', deps: [locale], skip: !loggedIn })
  return (
    <View className='card' data-testid='home-favourites'>
      <Text className='card__title'>{t('home.favourites')}</Text>
      {!loggedIn ? (
        <Text className='body muted block' data-testid='home-favourites-login'>{t('home.favouritesLogin')}</Text>
      ) : (
        <LoadState
          load={load}
          testId='home-favourites'
          card={false}
          isEmpty={(items) => items.length === 0}
          empty={t('home.favouritesEmpty')}
        >
          {(items) => (
            <View className='list'>
              {items.map((item) => (
                <ItemRow key={item.code} item={item} />
              ))}
            </View>
          )}
        </LoadState>
      )}
    </View>
  )
}

/** One recently opened item: its name in the language it was opened in, else the catalogue's. */
function RecentRow({ item }: { item: RecentItem }) {
  const locale = useLocale()
  const [name, setName] = useState(item.locale === locale ? item.name : '')
  useEffect(() => {
    if (item.locale === locale) setName(item.name)
    else itemName(item.code).then(setName)
  }, [item, locale])
  return (
    <View className='chips__item recent' data-testid='home-recent-item' data-code={item.code} onClick={() => openItem(item.code)}>
      {name || '…'}
    </View>
  )
}

/** 最近使用: what was opened on this device lately. */
export function Recent() {
  const t = useT()
  const items = useRecentItems()
  return (
    <View className='card' data-testid='home-recent'>
      <Text className='card__title'>{t('home.recent')}</Text>
      {items.length === 0 ? (
        <Text className='body muted block' data-testid='home-recent-empty'>{t('home.recentEmpty')}</Text>
      ) : (
        <View className='chips'>
          {items.map((item) => (
            <RecentRow key={item.code} item={item} />
          ))}
        </View>
      )}
    </View>
  )
}

function distance(t: ReturnType<typeof useT>, metres: number): string {
  return metres < 1000 ? t('home.distanceM', { n: metres }) : t('home.distanceKm', { n: (metres / 1000).toFixed(1) })
}

type Where = Position | 'unknown' | 'failed'

/** 附近的办事大厅: by name until the resident asks for distance, then nearest first. */
export function Nearby() {
  const t = useT()
  const locale = useLocale()
  const [where, setWhere] = useState<Where>('unknown')
  const position = typeof where === 'object' ? where : null
  const load = useLoad<NearbySite[]>(() => nearbySites(position, { silent: true }), {
    deps: [locale, position?.latitude, position?.longitude],
  })

  async function locate() {
    try {
      const { latitude, longitude } = await Taro.getLocation({ type: 'wgs84' })
      setWhere({ latitude, longitude })
    } catch {
      setWhere('failed')
    }
  }

  const note = where === 'failed' ? 'home.nearbyNoLocation' : position ? 'home.nearbyByDistance' : 'home.nearbyByName'
  return (
    <View className='card' data-testid='home-nearby' data-sorted={position ? 'distance' : 'name'}>
      <View className='card__head'>
        <Text className='card__title'>{t('home.nearby')}</Text>
        {!position && (
          <Text className='link' data-testid='home-nearby-locate' onClick={locate}>
            {t('home.nearbyLocate')}
          </Text>
        )}
      </View>
      <Text className='caption muted block'>{t(note)}</Text>
      <LoadState load={load} testId='home-nearby' card={false} isEmpty={(s) => s.length === 0} empty={t('home.nearbyEmpty')}>
        {(sites) => (
          <View className='list'>
            {sites.map((s) => (
              <View
                key={s.code}
                className='list__row list__row--tap'
                data-testid='home-site'
                data-code={s.code}
                onClick={() => Taro.navigateTo({ url: `/pages/appointments/site?code=${encodeURIComponent(s.code)}` })}
              >
                <View className='list__main list__main--flush'>
                  <Text className='list__title block'>{s.name}</Text>
                  <Text className='caption muted block'>{s.address}</Text>
                </View>
                {s.distance_m !== null && <Text className='caption nearby__distance' data-testid='home-site-distance'>{distance(t, s.distance_m)}</Text>}
                <Text className='list__arrow'>›</Text>
              </View>
            ))}
          </View>
        )}
      </LoadState>
    </View>
  )
}
