import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import platform from '../platform'
import {
  certificateKey,
  uploadMaterial,
  attachCertificate,
  type Certificate,
  type ItemMaterial,
  type Material,
} from '../api'
import { useT } from '../i18n'

interface Props {
  caseId: number
  /** what the item asks for */
  required: ItemMaterial[]
  /** what the case holds */
  materials: Material[]
  /** the resident's wallet: a certificate whose type matches can replace an upload (免提交) */
  certificates: Certificate[]
  editable: boolean
  onChanged: () => void
}

/**
 * The item's materials with what was handed in for each: upload a file (through the platform layer:
 * chat file / photo on weapp, a file input on H5) or use a wallet e-certificate instead.
 * Test ids: `material-<code>` (data-status missing|uploaded), `material-upload-<code>`, `material-cert-<code>`.
 */
export default function MaterialsPanel({ caseId, required, materials, certificates, editable, onChanged }: Props) {
  const t = useT()
  const [busy, setBusy] = useState<string | null>(null)

  async function upload(code: string) {
    if (busy) return
    const file = await platform.pickFile()
    if (!file) return
    setBusy(code)
    Taro.showLoading({ title: t('material.uploading') })
    try {
      await uploadMaterial(caseId, code, file)
      Taro.hideLoading()
      Taro.showToast({ title: t('material.done'), icon: 'success' })
      onChanged()
    } catch {
      Taro.hideLoading() // the client toasts the server's message
    } finally {
      setBusy(null)
    }
  }

  async function useCertificate(code: string, cert: Certificate) {
    if (busy) return
    setBusy(code)
    try {
      await attachCertificate(caseId, code, cert.id)
      Taro.showToast({ title: t('material.usedCert'), icon: 'success' })
      onChanged()
    } catch {
      /* toast shown */
    } finally {
      setBusy(null)
    }
  }

  return (
    <View className='materials' data-testid='materials'>
      {required.map((m) => {
        const handed = materials.filter((x) => x.material_code === m.code)
        const latest = handed[handed.length - 1]
        const cert = m.certificate_type
          ? certificates.find((c) => certificateKey(c) === m.certificate_type && c.validity === 'valid')
          : undefined
        const usedCert = latest?.certificate_id ? certificates.find((c) => c.id === latest.certificate_id) : undefined
        return (
          <View
            key={m.code}
            className='material'
            data-testid={`material-${m.code}`}
            data-status={latest ? 'uploaded' : 'missing'}
          >
            <View className='material__main'>
              <Text className='material__name'>{m.name}</Text>
              <View className='material__tags'>
                <Text className={`tag ${m.required ? 'tag--minor' : ''}`}>{m.required ? t('item.required') : t('item.optional')}</Text>
                {m.tolerated && <Text className='tag'>{t('item.tolerated')}</Text>}
                {m.certificate_type && <Text className='tag tag--ok'>{t('item.certReplace')}</Text>}
              </View>
              <Text className={`caption block ${latest ? 'ok-text' : 'muted'}`} data-testid={`material-status-${m.code}`}>
                {latest
                  ? latest.certificate_id
                    ? `${t('material.usedCert')} ${usedCert?.number ?? ''}`
                    : (
                      <>
                        {`${t('material.uploaded')} · `}
                        <Text data-user-text>{latest.filename}</Text>
                        {handed.length > 1 ? ` (${handed.length})` : ''}
                      </>
                    )
                  : t('material.missing')}
              </Text>
            </View>
            {editable && (
              <View className='material__actions'>
                <View
                  className={`btn btn--small btn--ghost ${busy === m.code ? 'btn--busy' : ''}`}
                  data-testid={`material-upload-${m.code}`}
                  onClick={() => upload(m.code)}
                >
                  {latest ? t('material.reupload') : t('material.upload')}
                </View>
                {cert && !latest?.certificate_id && (
                  <View
                    className='btn btn--small btn--ghost-ok'
                    data-testid={`material-cert-${m.code}`}
                    onClick={() => useCertificate(m.code, cert)}
                  >
                    {t('material.useCert')}
                  </View>
                )}
              </View>
            )}
          </View>
        )
      })}
    </View>
  )
}
