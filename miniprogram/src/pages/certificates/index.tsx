import Taro, { useDidShow } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import CertificateCard from '../../components/CertificateCard'
import { requireLogin } from '../../components/auth'
import { listCertificates, type Certificate } from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'

/** The e-certificate wallet (电子证照). */
export default function Wallet() {
  const t = useT()
  const [items, setItems] = useState<Certificate[] | null>(null)

  useDidShow(() => {
    if (!requireLogin('/pages/certificates/index')) return
    listCertificates().then(setItems).catch(() => setItems([]))
  })

  return (
    <PageShell testId='page-wallet' title={t('wallet.title')}>
      {items === null ? (
        <View className='card'>
          <Text className='body muted'>{t('common.loading')}</Text>
        </View>
      ) : items.length === 0 ? (
        <View className='card'>
          <Text className='body muted' data-testid='wallet-empty'>{t('wallet.empty')}</Text>
        </View>
      ) : (
        <View className='wallet' data-testid='wallet'>
          {items.map((c) => (
            <CertificateCard key={c.id} cert={c} onClick={() => Taro.navigateTo({ url: `/pages/certificates/detail?id=${c.id}` })} />
          ))}
        </View>
      )}
    </PageShell>
  )
}
