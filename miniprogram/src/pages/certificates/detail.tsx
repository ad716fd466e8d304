import { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import KV from '../../components/KV'
import CredentialQr from '../../components/CredentialQr'
import LoadState, { useLoad } from '../../components/LoadState'
import { loginFirst } from '../../components/auth'
import { getCertificate, getItem } from '../../api'
import { useT } from '../../i18n'
import { formatDateTime } from '../../utils/format'
import { labelOf } from '../../utils/labels'

/**
 * One e-certificate, laid out as the certificate it is: its name as the title, the holder, what it
 * states (each printed answer as label and value), the issuing authority by name, validity, the
 * issue date and the QR code a counter scans. No codes or raw data.
 */
export default function CertificateDetail() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const [showQr, setShowQr] = useState(false)
  const [authority, setAuthority] = useState<string | null>(null)
  const load = useLoad(
    async () => {
      await loginFirst(`/pages/certificates/detail?id=${id}`)
      return getCertificate(id, { silent: true })
    },
    { when: 'show' },
  )
  const cert = load.data

  // Until the server names the issuing authority, the item's department (which issued it) does.
  useEffect(() => {
    const code = cert?.data?.item_code
    if (!cert || cert.department_label || typeof code !== 'string') return
    getItem(code, { silent: true })
      .then((item) => item.department.code === cert.department_code && setAuthority(item.department.name))
      .catch(() => undefined)
  }, [cert])

  if (!cert) {
    return (
      <PageShell testId='page-certificate' title={t('wallet.title')}>
        <LoadState load={load} testId='certificate'>
          {() => null}
        </LoadState>
      </PageShell>
    )
  }
  const title = cert.type_name ?? t('wallet.title')
  return (
    <PageShell testId='page-certificate' title={title}>
      <View className={`card certificate certificate--${cert.validity}`} data-testid='certificate-detail' data-id={cert.id}>
        <Text className='certificate__title block' data-testid='certificate-title'>{title}</Text>
        <Text className='certificate__validity block'>{labelOf(t, cert.validity, cert.validity_label, 'validity')}</Text>
        <View className='kv'>
          <KV k={t('wallet.holder')} testId='certificate-holder'>{cert.holder_name ?? '—'}</KV>
          {cert.data?.item_name && <KV k={t('wallet.item')}>{cert.data.item_name}</KV>}
          {(cert.data?.fields ?? []).map((f) => (
            <KV key={f.key} k={f.label} testId={`certificate-field-${f.key}`}>
              {fieldValue(f.value, t('common.yes'), t('common.no'))}
            </KV>
          ))}
          <KV k={t('wallet.number')} testId='certificate-detail-number'>{cert.number}</KV>
          {cert.data?.application_number && <KV k={t('wallet.caseNumber')}>{cert.data.application_number}</KV>}
          <KV k={t('wallet.issuer')} testId='certificate-issuer'>
            {labelOf(t, cert.department_code, cert.department_label ?? authority)}
          </KV>
          <KV k={t('wallet.issuedAt')}>{formatDateTime(cert.issued_at)}</KV>
          <KV k={t('wallet.validity')}>{t('wallet.range', { from: cert.valid_from, until: cert.valid_until })}</KV>
        </View>
      </View>
      <View className='card' data-testid='certificate-qr-card'>
        {showQr ? (
          <>
            <Text className='card__title'>{t('qr.certificate')}</Text>
            <CredentialQr kind='certificate' id={cert.id} testId='certificate-qr' />
            <Text className='caption muted block center'>{t('qr.certificateHint')}</Text>
            <View className='btn btn--ghost btn--block' data-testid='certificate-qr-hide' onClick={() => setShowQr(false)}>
              {t('qr.hide')}
            </View>
          </>
        ) : (
          <View className='btn btn--primary btn--block btn--flush' data-testid='certificate-qr-show' onClick={() => setShowQr(true)}>
            {t('qr.showCertificate')}
          </View>
        )}
      </View>
    </PageShell>
  )
}

/** A printed answer in words: yes/no for booleans, the text as written otherwise (never JSON). */
function fieldValue(value: unknown, yes: string, no: string): string {
  if (typeof value === 'boolean') return value ? yes : no
  if (value === null || value === undefined || value === '') return '—'
  if (Array.isArray(value)) return value.map(String).join('、')
  return String(value)
}
