import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import { useLoad } from '../../components/LoadState'
import { SERVICES, serviceUrl, type ServiceEntry } from '../../components/services'
import Shortcuts, { SHORTCUTS } from '../../components/Shortcuts'
import { useT } from '../../i18n'
import { unreadCount, useUser } from '../../api'
import { useCareMode } from '../../store/settings'
import { SearchBar, SearchResults } from './search'
import { Favourites, Nearby, Recent } from './sections'
import './index.css'

const go = (url: string) => Taro.navigateTo({ url })
const open = (s: ServiceEntry) => go(serviceUrl(s))

/** 消息 with the unread count as a badge (read again each time home shows). */
function Messages({ unread }: { unread: number }) {
  const t = useT()
  return (
    <View className='home-inbox' data-testid='home-inbox' data-unread={unread} onClick={() => go('/pages/inbox/index')}>
      <View className='home-inbox__icon' />
      <Text className='home-inbox__label'>{t('home.messages')}</Text>
      {unread > 0 && (
        <Text className='badge' data-testid='home-unread' aria-label={t('home.unreadBadge', { n: unread })}>
          {unread > 99 ? '99+' : unread}
        </Text>
      )}
    </View>
  )
}

/** 首页: search, messages with the unread badge, shortcuts (卡包 first), the service areas, my favourites,
 *  recently used items and the nearest halls; in care mode only search, messages and big tiles. */
export default function Home() {
  const t = useT()
  const user = useUser()
  const care = useCareMode()
  const [q, setQ] = useState('')
  const unread = useLoad(() => unreadCount({ silent: true }), { when: 'show', deps: [user?.id], skip: !user })

  const header = (
    <View className='home-hero'>
      <View className='home-hero__top'>
        <Text className='home-hero__app'>{t('app.name')}</Text>
        {user && <Messages unread={unread.data ?? 0} />}
      </View>
      {user ? (
        <View className='home-hero__row'>
          <Text className='home-hero__greet' data-testid='home-greeting'>
            {t('home.greeting', { name: user.nickname || t('common.citizen') })}
          </Text>
          <Text className={`chip ${user.real_name_verified ? 'chip--ok' : 'chip--muted'}`} data-testid='home-realname'>
            {user.real_name_verified ? t('profile.verified') : t('profile.unverified')}
          </Text>
        </View>
      ) : (
        <View className='home-hero__login'>
          <Text className='home-hero__greet'>{t('home.guest')}</Text>
          <Text className='home-hero__hint'>{t('home.loginPrompt')}</Text>
          <View className='btn btn--white' data-testid='home-login' onClick={() => go('/pages/login/index')}>
            {t('home.loginButton')}
          </View>
        </View>
      )}
      <SearchBar searched={q} onSearch={setQ} />
    </View>
  )
  const results = q ? <SearchResults q={q} onClear={() => setQ('')} /> : null

  if (care) {
    // Care mode: search, then big entries one per row (the card wallet first), nothing else to scan.
    const tiles = [
      ...SHORTCUTS.filter((s) => s.key === 'cards').map((s) => ({ key: s.key, glyph: s.glyph, color: s.color, title: t(s.label), url: s.url })),
      ...SERVICES.map((s) => ({ key: s.key, glyph: s.glyph, color: s.color, title: t(s.title), url: serviceUrl(s) })),
    ]
    return (
      <PageShell testId='page-home' title={t('app.name')} tab='home'>
        {header}
        {results}
        <View className='care-tiles' data-testid='home-services'>
          {tiles.map((s) => (
            <View key={s.key} className='care-tile' data-testid={`entry-${s.key}`} onClick={() => go(s.url)}>
              <View className='care-tile__icon' style={{ background: s.color }}>
                <Text>{s.glyph}</Text>
              </View>
              <Text className='care-tile__title'>{s.title}</Text>
              <Text className='care-tile__arrow'>›</Text>
            </View>
          ))}
        </View>
      </PageShell>
    )
  }

  return (
    <PageShell testId='page-home' title={t('app.name')} tab='home'>
      {header}
      {results}
      <View className='card'>
        <Shortcuts count={4} testId='home-shortcuts' />
      </View>
      <View className='card'>
        <Text className='card__title'>{t('home.services')}</Text>
        <View className='service-grid' data-testid='home-services'>
          {SERVICES.map((s) => (
            <View key={s.key} className='service' data-testid={`entry-${s.key}`} onClick={() => open(s)}>
              <View className='service__icon' style={{ background: s.color }}>
                <Text>{s.glyph}</Text>
              </View>
              <Text className='service__title'>{t(s.title)}</Text>
              <Text className='service__desc'>{t(s.desc)}</Text>
            </View>
          ))}
        </View>
      </View>
      <Favourites loggedIn={!!user} />
      <Recent />
      <Nearby />
    </PageShell>
  )
}
