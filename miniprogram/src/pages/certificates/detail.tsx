import { useDidShow, useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import CertificateCard from '../../components/CertificateCard'
import KV from '../../components/KV'
import CredentialQr from '../../components/CredentialQr'
import { requireLogin } from '../../components/auth'
import { getCertificate, type Certificate } from '../../api'
import { useT } from '../../i18n'
import { formatDateTime } from '../../utils/format'
import '../office/office.css'

/** One e-certificate: number, type, masked holder, validity, issuer and its data. */
export default function CertificateDetail() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const [cert, setCert] = useState<Certificate | null>(null)
  const [showQr, setShowQr] = useState(false)

  useDidShow(() => {
    if (!requireLogin(`/pages/certificates/detail?id=${id}`)) return
    getCertificate(id).then(setCert).catch(() => undefined)
  })

  if (!cert) {
    return (
      <PageShell testId='page-certificate' title={t('wallet.title')}>
        <View className='card'>
          <Text className='body muted'>{t('common.loading')}</Text>
        </View>
      </PageShell>
    )
  }
  const entries = Object.entries(cert.data ?? {})
  return (
    <PageShell testId='page-certificate' title={cert.type_name ?? t('wallet.title')}>
      <View className='wallet'>
        <CertificateCard cert={cert} />
      </View>
      <View className='card' data-testid='certificate-qr-card'>
        {showQr ? (
          <>
            <Text className='card__title'>{t('qr.certificate')}</Text>
            <CredentialQr kind='certificate' id={cert.id} testId='certificate-qr' />
            <Text className='caption muted block center'>{t('qr.certificateHint')}</Text>
            <Text className='link block center' data-testid='certificate-qr-hide' onClick={() => setShowQr(false)}>
              {t('qr.hide')}
            </Text>
          </>
        ) : (
          <View className='btn btn--primary btn--block btn--flush' data-testid='certificate-qr-show' onClick={() => setShowQr(true)}>
            {t('qr.showCertificate')}
          </View>
        )}
      </View>
      <View className='card kv' data-testid='certificate-detail'>
        <KV k={t('wallet.type')}>{cert.type_name ?? cert.type_code}</KV>
        <KV k={t('wallet.number')} testId='certificate-detail-number'>{cert.number}</KV>
        <KV k={t('wallet.holder')}>{cert.holder_name ?? '—'}</KV>
        <KV k={t('wallet.validity')}>{t('wallet.range', { from: cert.valid_from, until: cert.valid_until })}</KV>
        <KV k={t('wallet.issuer')}>{cert.department_code}</KV>
        <KV k={t('wallet.issuedAt')}>{formatDateTime(cert.issued_at)}</KV>
      </View>
      {entries.length > 0 && (
        <View className='card kv' data-testid='certificate-data'>
          <Text className='card__title'>{t('wallet.data')}</Text>
          {entries.map(([k, v]) => (
            <KV key={k} k={k}>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</KV>
          ))}
        </View>
      )}
    </PageShell>
  )
}
