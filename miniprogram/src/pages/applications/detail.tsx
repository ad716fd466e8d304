import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import { Text, Textarea, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import CaseSummary from '../../components/CaseSummary'
import FormAnswers from '../../components/FormAnswers'
import MaterialsPanel from '../../components/MaterialsPanel'
import Timeline from '../../components/Timeline'
import FileList from '../../components/FileList'
import FeeCard from '../../components/FeeCard'
import LoadState, { useLoad } from '../../components/LoadState'
import MissingMaterials from '../../components/MissingMaterials'
import { useConfirm } from '../../components/ConfirmSheet'
import { loginFirst } from '../../components/auth'
import { errorCode, errorDetails } from '../../utils/errors'
import {
  appealApplication,
  isLoggedIn,
  showError,
  getApplication,
  getItem,
  listCertificates,
  listFamily,
  materialPath,
  openMaterial,
  resubmitApplication,
  withdrawApplication,
  type Certificate,
  type FamilyMember,
  type Item,
} from '../../api'
import { useT } from '../../i18n'
import '../appointments/appointments.css'
import '../payments/payments.css'

/** States after which a service can be rated, until the backend's `rating` field says so itself. */
const FINISHED = ['approved', 'delivered', 'closed', 'denied']

/** One of my applications: state, dates, supplement request, timeline, answers, materials, actions. */
export default function ApplicationDetail() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const [item, setItem] = useState<Item | null>(null)
  const [certs, setCerts] = useState<Certificate[]>([])
  const [family, setFamily] = useState<FamilyMember[]>([])
  const [busy, setBusy] = useState(false)
  const [appealing, setAppealing] = useState(false)
  const [grounds, setGrounds] = useState('')
  const [missing, setMissing] = useState<string[]>([])
  const [sheet, ask] = useConfirm()
  const route = `/pages/applications/detail?id=${id}`
  const load = useLoad(
    async () => {
      await loginFirst(route)
      return getApplication(id, { silent: true })
    },
    { when: 'show' },
  )
  const app = load.data
  const reload = load.reload

  useEffect(() => {
    if (app && (!item || item.code !== app.item_code)) getItem(app.item_code, { silent: true }).then(setItem).catch(() => undefined)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [app?.item_code])

  useDidShow(() => {
    if (!isLoggedIn()) return
    listCertificates({ silent: true }).then(setCerts).catch(() => undefined)
    listFamily().then(setFamily).catch(() => undefined)
  })

  async function withdraw() {
    const ok = await ask({
      title: t('case.withdraw'),
      body: t('case.withdrawConfirm'),
      confirmText: t('case.withdraw'),
      danger: true,
      testId: 'withdraw-confirm',
    })
    if (!ok) return
    try {
      await withdrawApplication(id)
      Taro.showToast({ title: t('case.withdrawn'), icon: 'success' })
      await reload()
    } catch {
      /* toast shown */
    }
  }

  async function resubmit() {
    if (busy) return
    setBusy(true)
    try {
      await resubmitApplication(id, '', { silent: true })
      Taro.showToast({ title: t('case.resubmitted'), icon: 'success' })
      setMissing([])
      await reload()
    } catch (err) {
      if (errorCode(err) === 'application_materials_missing') {
        setMissing(errorDetails<{ materials?: string[] }>(err)?.materials ?? [])
      } else showError(err)
    } finally {
      setBusy(false)
    }
  }

  async function appeal() {
    if (busy) return
    if (!grounds.trim()) {
      Taro.showToast({ title: t('case.appealGroundsRequired'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      await appealApplication(id, grounds.trim())
      Taro.showToast({ title: t('case.appealed'), icon: 'success' })
      setAppealing(false)
      setGrounds('')
      await reload()
    } catch {
      /* toast shown */
    } finally {
      setBusy(false)
    }
  }

  if (!app) {
    return (
      <PageShell testId='page-application' title={t('case.title')}>
        <LoadState load={load} testId='application'>
          {() => null}
        </LoadState>
      </PageShell>
    )
  }

  const d = item?.document
  const request = [...app.timeline].reverse().find((s) => s.name === 'request_supplement')
  const supplement = app.state === 'supplement_requested'
  const member = family.find((m) => m.id === app.on_behalf_of)
  const staffFiles = app.materials.filter((m) => m.uploaded_by === 'staff')
  const rateable = app.rating === undefined ? FINISHED.includes(app.state) : app.rating === 'open'

  return (
    <PageShell testId='page-application' title={t('case.title')}>
      {sheet}
      <CaseSummary app={app} itemName={d?.name ?? app.item_label ?? ''} />
      <View className='card kv'>
        <View className='kv__row'>
          <Text className='kv__key'>{t('case.onBehalfOf')}</Text>
          <Text className='kv__value'>{app.on_behalf_of ? member?.name ?? '…' : t('applicant.self')}</Text>
        </View>
      </View>

      <FeeCard app={app} onChanged={reload} />

      {supplement && (
        <View className='card card--warn' data-testid='supplement'>
          <Text className='card__title'>{t('case.supplement')}</Text>
          {app.supplement_due_on && (
            <Text className='body block warn-text' data-testid='supplement-due'>
              {t('case.supplementDue', { date: app.supplement_due_on })}
            </Text>
          )}
          {request && request.reasons.length > 0 && (
            <View data-testid='supplement-reasons'>
              <Text className='field__label'>{t('case.supplementReasons')}</Text>
              {request.reasons.map((r, i) => (
                <Text key={i} className='body block' data-testid='supplement-reason'>· {r}</Text>
              ))}
            </View>
          )}
          {request?.comment && <Text className='caption muted block'>{request.comment}</Text>}
          {d && <MissingMaterials codes={missing} required={d.materials} handed={app.materials.map((m) => m.material_code)} />}
          {d && (
            <MaterialsPanel
              caseId={app.id}
              required={d.materials}
              materials={app.materials}
              certificates={certs}
              editable
              onChanged={() => reload().catch(() => undefined)}
            />
          )}
          <View className='btn btn--ghost btn--block' data-testid='supplement-edit' onClick={() => Taro.navigateTo({ url: `/pages/office/apply?id=${app.id}` })}>
            {t('case.editAnswers')}
          </View>
          <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='resubmit' onClick={resubmit}>
            {t('case.resubmit')}
          </View>
        </View>
      )}

      {app.state === 'draft' && (
        <View className='card'>
          <View className='btn btn--primary btn--block' data-testid='continue-draft' onClick={() => Taro.navigateTo({ url: `/pages/office/apply?id=${app.id}` })}>
            {t('case.continue')}
          </View>
        </View>
      )}

      {app.applicant_steps.includes('appeal') && (
        <View className='card' data-testid='appeal-card'>
          <Text className='card__title'>{t('case.appeal')}</Text>
          <Text className='caption muted block'>{t('case.appealHint')}</Text>
          {appealing ? (
            <View data-testid='appeal-form'>
              <Text className='field__label'>{t('case.appealGrounds')}</Text>
              <View className='field field--area'>
                <Textarea
                  className='field__textarea'
                  data-testid='appeal-grounds'
                  value={grounds}
                  maxlength={2000}
                  placeholder={t('case.appealGroundsPlaceholder')}
                  onInput={(e) => setGrounds(e.detail.value)}
                />
              </View>
              <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='appeal-submit' onClick={appeal}>
                {t('case.appealSubmit')}
              </View>
            </View>
          ) : (
            <View className='btn btn--ghost btn--block' data-testid='appeal' onClick={() => setAppealing(true)}>
              {t('case.appeal')}
            </View>
          )}
        </View>
      )}

      {staffFiles.length > 0 && (
        <View className='card' data-testid='staff-files'>
          <Text className='card__title'>{t('case.staffFiles')}</Text>
          <FileList
            items={staffFiles}
            testId='staff-file'
            title={(m) => m.filename}
            onOpen={(m) => openMaterial(materialPath(app.id, m.id), m.filename).catch(() => undefined)}
          />
        </View>
      )}

      {(rateable || app.rating === 'rated') && (
        <View className='card' data-testid='rating-card'>
          {app.rating === 'rated' ? (
            <Text className='chip chip--ok' data-testid='rated'>{t('case.rated')}</Text>
          ) : (
            <View
              className='btn btn--primary btn--block btn--flush'
              data-testid='rate'
              onClick={() => Taro.navigateTo({ url: `/pages/evaluations/new?target_type=service_request&target_id=${app.id}` })}
            >
              {t('case.rate')}
            </View>
          )}
        </View>
      )}

      <View className='card'>
        <Text className='card__title'>{t('case.timeline')}</Text>
        <Timeline steps={app.timeline} />
      </View>

      <View className='card'>
        <Text className='card__title'>{t('case.form')}</Text>
        <FormAnswers fields={d?.form.fields ?? []} form={app.form} />
      </View>

      {!supplement && d && (
        <View className='card'>
          <Text className='card__title'>{t('case.materials')}</Text>
          <MaterialsPanel caseId={app.id} required={d.materials} materials={app.materials} certificates={certs} editable={false} onChanged={() => undefined} />
        </View>
      )}

      {app.applicant_steps.includes('withdraw') && (
        <View className='btn btn--danger-ghost btn--block case-withdraw' data-testid='withdraw' onClick={withdraw}>
          {t('case.withdraw')}
        </View>
      )}
    </PageShell>
  )
}
