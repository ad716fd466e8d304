import { Text, View } from '@tarojs/components'
import type { Certificate } from '../api'
import { useT } from '../i18n'
import { labelOf } from '../utils/labels'

/** An e-certificate as a card: type, number, masked holder, validity. */
export default function CertificateCard({ cert, onClick }: { cert: Certificate; onClick?: () => void }) {
  const t = useT()
  return (
    <View
      className={`cert cert--${cert.validity}`}
      data-testid='certificate'
      data-id={cert.id}
      data-type={cert.type_key ?? cert.type_code}
      onClick={onClick}
    >
      <View className='cert__head'>
        <Text className='cert__type'>{cert.type_name ?? t('wallet.title')}</Text>
        <Text className='cert__validity'>{labelOf(t, cert.validity, cert.validity_label, 'validity')}</Text>
      </View>
      <Text className='cert__number mono' data-testid='certificate-number'>{cert.number}</Text>
      <View className='cert__foot'>
        <Text>{cert.holder_name ?? ''}</Text>
        <Text>{t('wallet.range', { from: cert.valid_from, until: cert.valid_until })}</Text>
      </View>
    </View>
  )
}
