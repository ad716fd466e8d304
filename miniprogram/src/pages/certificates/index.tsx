import Taro from '@tarojs/taro'
import { View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import CertificateCard from '../../components/CertificateCard'
import LoadState, { useLoad } from '../../components/LoadState'
import { loginFirst } from '../../components/auth'
import { listCertificates } from '../../api'
import { useT } from '../../i18n'

/** The e-certificate wallet (电子证照). */
export default function Wallet() {
  const t = useT()
  const load = useLoad(
    async () => {
      await loginFirst('/pages/certificates/index')
      return listCertificates({ silent: true })
    },
    { when: 'show' },
  )

  return (
    <PageShell testId='page-wallet' title={t('wallet.title')}>
      <LoadState load={load} testId='wallet' isEmpty={(items) => items.length === 0} empty={t('wallet.empty')}>
        {(items) => (
          <View className='wallet' data-testid='wallet'>
            {items.map((c) => (
              <CertificateCard key={c.id} cert={c} onClick={() => Taro.navigateTo({ url: `/pages/certificates/detail?id=${c.id}` })} />
            ))}
          </View>
        )}
      </LoadState>
    </PageShell>
  )
}
