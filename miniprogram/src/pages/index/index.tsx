import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import { SERVICES, serviceUrl, type ServiceEntry } from '../../components/services'
import { useT } from '../../i18n'
import { useUser } from '../../api'
import { useCareMode } from '../../store/settings'
import './index.css'

function open(s: ServiceEntry) {
  Taro.navigateTo({ url: serviceUrl(s) })
}

export default function Home() {
  const t = useT()
  const user = useUser()
  const care = useCareMode()

  const header = (
    <View className='home-hero'>
      <Text className='home-hero__app'>{t('app.name')}</Text>
      {user ? (
        <View className='home-hero__row'>
          <Text className='home-hero__greet' data-testid='home-greeting'>
            {t('home.greeting', { name: user.nickname || t('common.citizen') })}
          </Text>
          <Text
            className={`chip ${user.real_name_verified ? 'chip--ok' : 'chip--muted'}`}
            data-testid='home-realname'
          >
            {user.real_name_verified ? t('profile.verified') : t('profile.unverified')}
          </Text>
        </View>
      ) : (
        <View className='home-hero__login'>
          <Text className='home-hero__greet'>{t('home.guest')}</Text>
          <Text className='home-hero__hint'>{t('home.loginPrompt')}</Text>
          <View
            className='btn btn--white'
            data-testid='home-login'
            onClick={() => Taro.navigateTo({ url: '/pages/login/index' })}
          >
            {t('home.loginButton')}
          </View>
        </View>
      )}
    </View>
  )

  if (care) {
    // Care mode: only the big service entries, one per row, nothing else to scan through.
    return (
      <PageShell testId='page-home' title={t('app.name')} tab='home'>
        {header}
        <View className='care-tiles' data-testid='home-services'>
          {SERVICES.map((s) => (
            <View key={s.key} className='care-tile' data-testid={`entry-${s.key}`} onClick={() => open(s)}>
              <View className='care-tile__icon' style={{ background: s.color }}>
                <Text>{s.glyph}</Text>
              </View>
              <Text className='care-tile__title'>{t(s.title)}</Text>
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
      <View className='card home-services'>
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
      <View className='card' data-testid='home-notice'>
        <Text className='card__title'>{t('home.notice')}</Text>
        <Text className='body muted'>{t('home.noticeBody')}</Text>
      </View>
    </PageShell>
  )
}
