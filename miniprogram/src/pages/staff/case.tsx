import Taro, { useRouter } from '@tarojs/taro'
import { Picker, Text, Textarea, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import CaseSummary from '../../components/CaseSummary'
import FormAnswers from '../../components/FormAnswers'
import RuleChecklist from '../../components/RuleChecklist'
import Timeline from '../../components/Timeline'
import FileList from '../../components/FileList'
import platform from '../../platform'
import { requireStaff } from '../../components/staffAuth'
import LoadState, { useLoad } from '../../components/LoadState'
import {
  actOnCase,
  ApiError,
  attachStaffFile,
  claimCase,
  getCase,
  getItem,
  NEEDS_REASONS,
  openMaterial,
  releaseCase,
  showError,
  staffMaterialPath,
  STAFF_ATTACHMENT,
  staffSteps,
  useStaff,
  type Item,
  type StaffAction,
} from '../../api'
import { useT } from '../../i18n'
import { labelOf } from '../../utils/labels'
import { weekdaysFromToday } from '../../utils/format'

/**
 * One case for staff: state and dates, claim/release, the masked answers, materials (download),
 * 秒批 results, the timeline, and the workflow steps open from the current state.
 */
export default function StaffCase() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const staff = useStaff()
  const [item, setItem] = useState<Item | null>(null)
  const [action, setAction] = useState<StaffAction | null>(null)
  const [reasons, setReasons] = useState('')
  const [comment, setComment] = useState('')
  const [due, setDue] = useState(weekdaysFromToday(5))
  const [cited, setCited] = useState<number[]>([])
  const [askReasons, setAskReasons] = useState(false)
  const [busy, setBusy] = useState(false)

  const needsReasons = !!action && (NEEDS_REASONS.includes(action) || askReasons)

  const load = useLoad(
    async () => {
      if (!requireStaff(`/pages/staff/case?id=${id}`)) return new Promise<never>(() => undefined)
      const fresh = await getCase(id, { silent: true })
      if (!item) getItem(fresh.item_code, { silent: true }).then(setItem).catch(() => undefined)
      return fresh
    },
    { when: 'show' },
  )
  const c = load.data
  const reload = load.reload

  const stepLabel = (s: string) => {
    const i = c?.staff_steps.indexOf(s) ?? -1
    return labelOf(t, s, i >= 0 ? c?.staff_steps_labels?.[i] : undefined, 'step')
  }

  async function claim(release = false) {
    if (busy) return
    setBusy(true)
    try {
      await (release ? releaseCase(id) : claimCase(id))
      await reload()
    } catch {
      /* toast shown */
    } finally {
      setBusy(false)
    }
  }

  async function act() {
    if (busy || !action) return
    const list = reasons.split('\n').map((r) => r.trim()).filter(Boolean)
    if (needsReasons && list.length === 0) {
      Taro.showToast({ title: t('staff.reasonsRequired'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      await actOnCase(id, action, {
        comment: comment.trim(),
        reasons: list,
        attachments: cited,
        supplement_due_on: action === 'request_supplement' ? due : undefined,
      })
      Taro.showToast({ title: t('staff.done', { action: stepLabel(action) }), icon: 'none' })
      setAction(null)
      setAskReasons(false)
      setReasons('')
      setComment('')
      setCited([])
      await reload()
    } catch (err) {
      // 409 invalid_transition lists what the workflow allows from the current state
      const details = err instanceof ApiError ? (err.details as { allowed?: string[] } | undefined) : undefined
      if (err instanceof ApiError && err.code === 'transition_reasons_required') {
        setAskReasons(true)
        showError(err)
      } else if (err instanceof ApiError && err.code === 'invalid_transition' && details?.allowed) {
        // the case moved on meanwhile: show its steps as they are now
        Taro.showToast({ title: t('staff.notAllowed', { allowed: details.allowed.map(stepLabel).join('、') }), icon: 'none' })
        setAction(null)
        reload().catch(() => undefined)
      } else showError(err)
    } finally {
      setBusy(false)
    }
  }

  /** Attach a file to the case (the officer must hold it) and cite it in the step being taken. */
  async function attach() {
    if (busy) return
    const file = await platform.pickFile()
    if (!file) return
    setBusy(true)
    Taro.showLoading({ title: t('material.uploading') })
    try {
      const added = await attachStaffFile(id, file)
      Taro.hideLoading()
      Taro.showToast({ title: t('material.done'), icon: 'success' })
      setCited((list) => [...list, added.id])
      await reload()
    } catch {
      Taro.hideLoading() // the client toasts the server's message
    } finally {
      setBusy(false)
    }
  }

  if (!c) {
    return (
      <PageShell testId='page-staff-case' title={t('staff.case')} className='staff'>
        <LoadState load={load} testId='staff-case'>
          {() => null}
        </LoadState>
      </PageShell>
    )
  }

  const mine = c.claimed_by !== null && c.claimed_by === staff?.id
  const open = staffSteps(c.staff_steps)
  const d = item?.document
  const materialName = (code: string) =>
    code === STAFF_ATTACHMENT ? t('case.staffFiles') : d?.materials.find((m) => m.code === code)?.name ?? code
  const staffFiles = c.materials.filter((m) => m.uploaded_by === 'staff')

  return (
    <PageShell testId='page-staff-case' title={t('staff.case')} className='staff page--action'>
      <CaseSummary app={c} itemName={d?.name ?? ''} />

      <View className='card' data-testid='claim-card' data-claimed={c.claimed_by === null ? 'none' : mine ? 'me' : 'other'}>
        <View className='card__head'>
          <Text className='body'>
            {c.claimed_by === null ? t('staff.claimFirst') : mine ? t('staff.claimedByMe') : t('staff.claimedByOther')}
          </Text>
          {c.claimed_by === null ? (
            <View className={`btn btn--small btn--primary ${busy ? 'btn--busy' : ''}`} data-testid='claim' onClick={() => claim()}>
              {t('staff.claim')}
            </View>
          ) : mine ? (
            <View className='btn btn--small btn--ghost' data-testid='release' onClick={() => claim(true)}>
              {t('staff.release')}
            </View>
          ) : null}
        </View>
      </View>

      <View className='card' data-testid='staff-actions'>
        <Text className='card__title'>{t('staff.actions')}</Text>
        {open.length === 0 ? (
          <Text className='body muted block'>{t('staff.noActions')}</Text>
        ) : (
          <View className='chips'>
            {open.map((s) => (
              <View
                key={s}
                className={`chips__item ${action === s ? 'chips__item--on' : ''} ${mine ? '' : 'chips__item--disabled'}`}
                data-testid={`action-${s}`}
                onClick={() => {
                  if (!mine) return Taro.showToast({ title: t('staff.claimFirst'), icon: 'none' })
                  setAskReasons(false)
                  setCited([])
                  setAction(action === s ? null : s)
                }}
              >
                {stepLabel(s)}
              </View>
            ))}
          </View>
        )}
        {action && mine && (
          <View className='action-form' data-testid='action-form' data-action={action}>
            {needsReasons && (
              <View>
                <Text className='field__label'>{t('staff.reasons')}</Text>
                <View className='field field--area'>
                  <Textarea
                    className='field__textarea'
                    data-testid='action-reasons'
                    value={reasons}
                    maxlength={2000}
                    placeholder={t('staff.reasonsPlaceholder')}
                    onInput={(e) => setReasons(e.detail.value)}
                  />
                </View>
              </View>
            )}
            {action === 'request_supplement' && (
              <View>
                <Text className='field__label'>{t('staff.supplementDue')}</Text>
                <Picker mode='date' value={due} start={weekdaysFromToday(1)} end={weekdaysFromToday(42)} onChange={(e) => setDue(String(e.detail.value))}>
                  <View className='field' data-testid='action-due'>
                    <Text className='field__text'>{due}</Text>
                  </View>
                </Picker>
              </View>
            )}
            <Text className='field__label'>{t('staff.attachments')}</Text>
            <View className='chips' data-testid='action-attachments'>
              {staffFiles.map((m) => {
                const on = cited.includes(m.id)
                return (
                  <View
                    key={m.id}
                    className={`chips__item ${on ? 'chips__item--on' : ''}`}
                    data-testid='action-attachment'
                    data-id={m.id}
                    data-selected={on ? 'true' : 'false'}
                    onClick={() => setCited(on ? cited.filter((x) => x !== m.id) : [...cited, m.id])}
                  >
                    <Text data-user-text>{m.filename}</Text>
                  </View>
                )
              })}
              <View className={`chips__item ${busy ? 'chips__item--disabled' : ''}`} data-testid='action-attach' onClick={attach}>
                + {t('staff.attach')}
              </View>
            </View>
            <Text className='field__label'>{t('staff.comment')}</Text>
            <View className='field field--area field--short'>
              <Textarea
                className='field__textarea'
                data-testid='action-comment'
                value={comment}
                maxlength={2000}
                placeholder={t('staff.commentPlaceholder')}
                onInput={(e) => setComment(e.detail.value)}
              />
            </View>
            <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='action-confirm' onClick={act}>
              {t('staff.confirm', { action: stepLabel(action) })}
            </View>
          </View>
        )}
      </View>

      <View className='card'>
        <Text className='card__title'>{t('case.form')}</Text>
        <FormAnswers fields={d?.form.fields ?? []} form={c.form} />
      </View>

      <View className='card' data-testid='staff-materials'>
        <Text className='card__title'>{t('case.materials')}</Text>
        <FileList
          items={c.materials}
          testId='staff-material'
          title={(m) => materialName(m.material_code)}
          onOpen={(m) => openMaterial(staffMaterialPath(c.id, m.id), m.filename, 'staff').catch(() => undefined)}
        />
      </View>

      <RuleChecklist c={c} />

      <View className='card'>
        <Text className='card__title'>{t('case.timeline')}</Text>
        <Timeline steps={c.timeline} />
      </View>
    </PageShell>
  )
}
