import Taro from '@tarojs/taro'
import { Text, Textarea, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireStaff } from '../../components/staffAuth'
import {
  approveCertificate,
  listCertificatesToCheck,
  openCertificate,
  refuseCertificate,
  type CertificateToCheck,
} from '../../api'
import { useT } from '../../i18n'
import { formatDateTime } from '../../utils/format'
import '../office/office.css'

/**
 * Case officers: the birth certificates (出生医学证明) residents sent to prove they are a child's
 * guardian, for children registered in the officer's regions. Compare the names with the
 * certificate, then accept (the resident may act for the child) or refuse with a reason they read.
 */
export default function GuardianshipProofs() {
  const t = useT()
  const items = useLoad(
    () => (requireStaff('/pages/staff/guardianship') ? listCertificatesToCheck({ silent: true }) : new Promise<never>(() => undefined)),
    { when: 'show' },
  )
  const [reasons, setReasons] = useState<Record<number, string>>({})
  const [busy, setBusy] = useState<number | null>(null)

  async function decide(c: CertificateToCheck, approve: boolean) {
    if (busy) return
    const reason = (reasons[c.id] ?? '').trim()
    if (!approve && !reason) {
      Taro.showToast({ title: t('gp.reasonRequired'), icon: 'none' })
      return
    }
    setBusy(c.id)
    try {
      if (approve) await approveCertificate(c.id)
      else await refuseCertificate(c.id, reason)
      Taro.showToast({ title: t(approve ? 'gp.approved' : 'gp.refused'), icon: 'success' })
      await items.reload()
    } catch {
      /* toast shown by the client */
    } finally {
      setBusy(null)
    }
  }

  return (
    <PageShell testId='page-guardianship-proofs' title={t('gp.title')} className='staff'>
      <StaffHero />
      <View className='card card--overlap'>
        <Text className='card__title'>{t('gp.title')}</Text>
        <LoadState load={items} testId='proofs' card={false} isEmpty={(list) => list.length === 0} empty={t('gp.empty')}>
          {(list) => (
          <View className='list' data-testid='proofs-list'>
            {list.map((c) => (
              <View key={c.id} className='list__row' data-testid='proof' data-id={c.id}>
                <View className='list__main list__main--flush'>
                  <Text className='list__title block'>
                    {t('gp.child')} {c.child_name}（{t(`family.relation.${c.relation}`)}）
                  </Text>
                  <Text className='caption muted block mono'>
                    {c.child_id_number} · {t('gp.born', { date: c.child_birth_date })}
                  </Text>
                  <Text className='caption block'>
                    {t('gp.guardian')} {c.guardian_name} · <Text className='mono'>{c.guardian_id_number}</Text>
                  </Text>
                  <Text className='caption muted block'>{formatDateTime(c.submitted_at)}</Text>
                  <Text className='link' data-testid='proof-view' onClick={() => openCertificate(c.id)}>
                    {t('gp.view')}
                  </Text>
                  <View className='field field--area'>
                    <Textarea
                      className='field__textarea'
                      data-testid='proof-reason'
                      value={reasons[c.id] ?? ''}
                      maxlength={200}
                      placeholder={t('gp.reason')}
                      onInput={(e) => setReasons((prev) => ({ ...prev, [c.id]: e.detail.value }))}
                    />
                  </View>
                  <View className='list__line'>
                    <View
                      className={`btn btn--primary btn--small ${busy === c.id ? 'btn--busy' : ''}`}
                      data-testid='proof-approve'
                      onClick={() => decide(c, true)}
                    >
                      {t('gp.approve')}
                    </View>
                    <View
                      className={`btn btn--danger-ghost btn--small ${busy === c.id ? 'btn--busy' : ''}`}
                      data-testid='proof-refuse'
                      onClick={() => decide(c, false)}
                    >
                      {t('gp.refuse')}
                    </View>
                  </View>
                </View>
              </View>
            ))}
          </View>
        )}
        </LoadState>
      </View>
    </PageShell>
  )
}
