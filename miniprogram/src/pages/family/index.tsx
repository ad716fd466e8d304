import Taro, { useRouter } from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import FamilyList from '../../components/FamilyList'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import Segmented from '../../components/Segmented'
import { requireLogin } from '../../components/auth'
import platform from '../../platform'
import {
  acceptInvitation,
  addFamilyMember,
  checkGuardianship,
  listFamily,
  listInvitations,
  removeFamilyMember,
  RELATIONS,
  uploadBirthCertificate,
  type FamilyInvitation,
  type FamilyMember,
  type Relation,
} from '../../api'
import { useT } from '../../i18n'
import { isValidIdNumber, normaliseIdNumber } from '../../utils/idcard'

export default function Family() {
  const t = useT()
  const router = useRouter()
  // the members decide the page (a failure says so, with 重试, never 还没有家庭成员); invitations are extra
  const load = useLoad(
    async () => {
      if (!requireLogin('/pages/family/index')) return new Promise<never>(() => undefined)
      const [members, invitations] = await Promise.all([
        listFamily({ silent: true }),
        listInvitations().catch(() => [] as FamilyInvitation[]),
      ])
      return { members, invitations }
    },
    { when: 'show' },
  )
  const invitations = load.data?.invitations ?? []
  const reload = () => load.reload()
  const [sheet, ask] = useConfirm()
  const [showForm, setShowForm] = useState(router.params.add === '1')
  const [relation, setRelation] = useState<Relation>('child')
  const [name, setName] = useState('')
  const [idNumber, setIdNumber] = useState('')
  const [busy, setBusy] = useState(false)

  async function submit() {
    if (busy) return
    if (!name.trim()) {
      Taro.showToast({ title: t('family.nameRequired'), icon: 'none' })
      return
    }
    if (!isValidIdNumber(idNumber)) {
      Taro.showToast({ title: t('family.invalidId'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      await addFamilyMember({ relation, name: name.trim(), id_number: normaliseIdNumber(idNumber) })
      Taro.showToast({ title: t('family.added'), icon: 'success' })
      setName('')
      setIdNumber('')
      setShowForm(false)
      await reload()
    } catch {
      /* toast shown by the client */
    } finally {
      setBusy(false)
    }
  }

  async function remove(m: FamilyMember) {
    const ok = await ask({
      title: `${t('family.remove')} ${m.name}`,
      body: t('family.removeConfirm'),
      confirmText: t('family.remove'),
      cancelText: t('common.notNow'),
      danger: true,
      testId: 'family-remove-confirm',
    })
    if (!ok) return
    try {
      await removeFamilyMember(m.id)
      Taro.showToast({ title: t('family.removed'), icon: 'success' })
      await reload()
    } catch {
      /* toast shown */
    }
  }

  /** A child not yet proven: ask the population register again. */
  async function check(m: FamilyMember) {
    try {
      const checked = await checkGuardianship(m.id)
      Taro.showToast({
        title: t(checked.guardianship === 'proven' ? 'family.guardianship.proven' : 'family.guardianship.pending'),
        icon: checked.guardianship === 'proven' ? 'success' : 'none',
      })
      await reload()
    } catch {
      /* toast shown */
    }
  }

  /** ... or send the child's birth certificate (chat file or photo on weapp, a file input on H5). */
  async function upload(m: FamilyMember) {
    const file = await platform.pickFile()
    if (!file) return
    Taro.showLoading({ title: t('material.uploading') })
    try {
      await uploadBirthCertificate(m.id, file)
      Taro.hideLoading()
      Taro.showToast({ title: t('family.certificateSent'), icon: 'success' })
      await reload()
    } catch {
      Taro.hideLoading() // the client toasts the server's message
    }
  }

  async function accept(inv: FamilyInvitation) {
    try {
      await acceptInvitation(inv.id)
      Taro.showToast({ title: t('family.accepted'), icon: 'success' })
      await reload()
    } catch {
      /* toast shown */
    }
  }

  return (
    <PageShell testId='page-family' title={t('family.title')}>
      {sheet}
      {invitations.length > 0 && (
        <View className='card' data-testid='invitations'>
          <Text className='card__title'>{t('family.invitations')}</Text>
          {invitations.map((inv) => (
            <View key={inv.id} className='list__row' data-testid='invitation'>
              <Text className='list__main body'>
                {t('family.invitationFrom', { name: inv.from_name, relation: t(`family.relation.${inv.relation}`) })}
              </Text>
              <View className='btn btn--primary btn--small' data-testid='invitation-accept' onClick={() => accept(inv)}>
                {t('family.accept')}
              </View>
            </View>
          ))}
        </View>
      )}

      <View className='card'>
        <View className='card__head'>
          <Text className='card__title'>{t('family.members')}</Text>
          {!showForm && (
            <Text className='link' data-testid='family-open-form' onClick={() => setShowForm(true)}>
              + {t('family.add')}
            </Text>
          )}
        </View>
        <LoadState load={load} testId='family' card={false} isEmpty={(d) => d.members.length === 0} empty={t('family.empty')}>
          {(d) => <FamilyList items={d.members} onRemove={remove} onCheck={check} onUpload={upload} />}
        </LoadState>
      </View>

      {showForm && (
        <View className='card' data-testid='family-form'>
          <Text className='card__title'>{t('family.add')}</Text>
          <Text className='field__label'>{t('family.relation')}</Text>
          <Segmented
            testIdPrefix='relation'
            value={relation}
            onChange={setRelation}
            options={RELATIONS.map((r) => ({ value: r, label: t(`family.relation.${r}`) }))}
          />
          <Text className='field__label'>{t('family.name')}</Text>
          <View className='field'>
            <Input
              className='field__input'
              data-testid='family-name'
              value={name}
              placeholder={t('family.namePlaceholder')}
              maxlength={32}
              onInput={(e) => setName(e.detail.value)}
            />
          </View>
          <Text className='field__label'>{t('family.idNumber')}</Text>
          <View className='field'>
            <Input
              className='field__input mono'
              data-testid='family-id-number'
              type='idcard'
              value={idNumber}
              placeholder={t('family.idPlaceholder')}
              maxlength={18}
              onInput={(e) => setIdNumber(e.detail.value)}
            />
          </View>
          <Text className='caption muted block'>{t(relation === 'child' ? 'family.guardianHint' : 'family.adultHint')}</Text>
          <View
            className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`}
            data-testid='family-submit'
            onClick={submit}
          >
            {t('family.submit')}
          </View>
        </View>
      )}
    </PageShell>
  )
}
