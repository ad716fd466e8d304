import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import { Picker, Text, Textarea, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import CaseSummary from '../../components/CaseSummary'
import FormAnswers from '../../components/FormAnswers'
import RuleTree from '../../components/RuleTree'
import Timeline from '../../components/Timeline'
import { requireStaff } from '../../components/staffAuth'
import {
  actOnCase,
  ApiError,
  claimCase,
  getCase,
  getItem,
  NEEDS_REASONS,
  openMaterial,
  releaseCase,
  showError,
  staffMaterialPath,
  staffSteps,
  useStaff,
  type Case,
  type Item,
  type StaffAction,
} from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { formatDateTime, weekdaysFromToday } from '../../utils/format'
import '../office/office.css'

/**
 * One case for staff: state and dates, claim/release, the masked answers, materials (download),
 * 秒批 results, the timeline, and the workflow steps open from the current state.
 */
export default function StaffCase() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const staff = useStaff()
  const [c, setCase] = useState<Case | null>(null)
  const [item, setItem] = useState<Item | null>(null)
  const [action, setAction] = useState<StaffAction | null>(null)
  const [reasons, setReasons] = useState('')
  const [comment, setComment] = useState('')
  const [due, setDue] = useState(weekdaysFromToday(5))
  const [allowed, setAllowed] = useState<string[] | null>(null)
  const [askReasons, setAskReasons] = useState(false)
  const [busy, setBusy] = useState(false)

  const needsReasons = !!action && (NEEDS_REASONS.includes(action) || askReasons)

  async function reload() {
    const fresh = await getCase(id)
    setCase(fresh)
    setAllowed(null)
    if (!item) getItem(fresh.item_code).then(setItem).catch(() => undefined)
  }

  useDidShow(() => {
    if (!requireStaff(`/pages/staff/case?id=${id}`)) return
    reload().catch(() => undefined)
  })

  const stepLabel = (s: string) => {
    const key = `step.${s}` as MessageKey
    return t(key) === key ? s : t(key)
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
        supplement_due_on: action === 'request_supplement' ? due : undefined,
      })
      Taro.showToast({ title: t('staff.done', { action: stepLabel(action) }), icon: 'none' })
      setAction(null)
      setAskReasons(false)
      setReasons('')
      setComment('')
      await reload()
    } catch (err) {
      // 409 invalid_transition lists what the workflow allows from the current state
      const details = err instanceof ApiError ? (err.details as { allowed?: string[] } | undefined) : undefined
      if (err instanceof ApiError && err.code === 'transition_reasons_required') {
        setAskReasons(true)
        showError(err)
      } else if (err instanceof ApiError && err.code === 'invalid_transition' && details?.allowed) {
        setAllowed(details.allowed)
        Taro.showToast({ title: t('staff.notAllowed', { allowed: details.allowed.map(stepLabel).join('、') }), icon: 'none' })
      } else showError(err)
    } finally {
      setBusy(false)
    }
  }

  if (!c) {
    return (
      <PageShell testId='page-staff-case' title={t('staff.case')} className='staff'>
        <View className='card'>
          <Text className='body muted'>{t('common.loading')}</Text>
        </View>
      </PageShell>
    )
  }

  const mine = c.claimed_by !== null && c.claimed_by === staff?.id
  const open = staffSteps(allowed ?? c.next_steps)
  const d = item?.document
  const materialName = (code: string) => d?.materials.find((m) => m.code === code)?.name ?? code

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
        {c.materials.length === 0 && <Text className='body muted'>{t('common.none')}</Text>}
        {c.materials.map((m) => (
          <View key={m.id} className='list__row' data-testid='staff-material' data-code={m.material_code}>
            <View className='list__main list__main--flush'>
              <Text className='body block'>{materialName(m.material_code)}</Text>
              <Text className='caption muted block'>
                {m.certificate_id ? t('material.usedCert') : `${m.filename} · ${Math.ceil(m.size / 1024)} KB`} · {formatDateTime(m.created_at)}
              </Text>
            </View>
            {!m.certificate_id && (
              <Text
                className='link'
                data-testid='staff-material-open'
                onClick={() => openMaterial(staffMaterialPath(c.id, m.id), m.filename, 'staff').catch(() => undefined)}
              >
                {t('staff.download')}
              </Text>
            )}
          </View>
        ))}
      </View>

      {c.rule_results && (
        <View className='card'>
          <Text className='card__title'>{t('case.ruleResults')}</Text>
          <RuleTree result={c.rule_results} />
        </View>
      )}

      <View className='card'>
        <Text className='card__title'>{t('case.timeline')}</Text>
        <Timeline steps={c.timeline} />
      </View>
    </PageShell>
  )
}
