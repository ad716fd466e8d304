import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import { SERVICES } from '../../components/services'
import { useT } from '../../i18n'
import './index.css'

/** Placeholder for service areas whose module is not built yet. */
export default function ComingSoon() {
  const t = useT()
  const router = useRouter()
  const service = SERVICES.find((s) => s.key === router.params.service)
  const name = service ? t(service.title) : t('common.comingSoon')

  return (
    <PageShell testId='page-soon' title={name}>
      <View className='card soon' data-testid='soon' data-service={service?.key ?? ''}>
        <View className='soon__icon' style={{ background: service?.color ?? '#1677ff' }}>
          <Text>{service?.glyph ?? '…'}</Text>
        </View>
        <Text className='soon__title' data-testid='soon-title'>
          {t('soon.title', { service: name })}
        </Text>
        <Text className='body muted block'>{t('soon.body')}</Text>
        <View
          className='btn btn--primary btn--block'
          data-testid='soon-home'
          onClick={() => Taro.reLaunch({ url: '/pages/index/index' })}
        >
          {t('soon.home')}
        </View>
      </View>
    </PageShell>
  )
}
