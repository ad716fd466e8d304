import Taro, { useRouter } from '@tarojs/taro'
import { Text, Textarea, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { isCaseOfficer, requireStaff } from '../../components/staffAuth'
import { ApiError, complaintStep, showError, staffComplaints, useStaff, type Complaint, type ComplaintAction } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import './spotstaff.css'

/** What can be done next in each state (the server decides who may: case officers; the answer also the spot's manager). */
const NEXT: Record<string, ComplaintAction[]> = {
  submitted: ['accept', 'refuse'],
  accepted: ['answer', 'close'],
  answered: ['close'],
}
/** Steps that need words: the reason, the operator's answer, the outcome. */
const NEEDS_TEXT: ComplaintAction[] = ['refuse', 'answer', 'close']

/**
 * 游客投诉 (《旅游投诉处理办法》) about the spot (or every spot in the account's scopes): overdue
 * first, with the clock now running; accept or refuse within 5 working days, record the operator's
 * answer, close with the outcome. Refusing and closing ask first; the server refuses a step that
 * is not the account's to take, in words.
 */
export default function SpotComplaints() {
  const t = useT()
  const locale = useLocale()
  const staff = useStaff()
  const spot = useRouter().params.spot ? decodeURIComponent(useRouter().params.spot ?? '') : undefined
  const self = `/pages/spotstaff/complaints${spot ? `?spot=${encodeURIComponent(spot)}` : ''}`
  const list = useLoad(() => (requireStaff(self) ? staffComplaints(spot, { silent: true }) : new Promise<never>(() => undefined)), {
    when: 'show',
    deps: [locale],
  })
  const [open, setOpen] = useState<{ id: number; action: ComplaintAction } | null>(null)
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [sheet, ask] = useConfirm()
  const managerOnly = !!staff && !isCaseOfficer(staff)

  async function take(c: Complaint, action: ComplaintAction) {
    if (busy) return
    if (NEEDS_TEXT.includes(action) && !text.trim()) {
      Taro.showToast({ title: t('spotstaff.complaintTextRequired'), icon: 'none' })
      return
    }
    if (action === 'refuse' || action === 'close') {
      const ok = await ask({ title: t(`spotstaff.complaint.${action}.confirm`), body: text.trim(), danger: action === 'refuse', testId: 'complaint-step' })
      if (!ok) return
    }
    setBusy(true)
    try {
      const moved = await complaintStep(c.id, action, text.trim())
      list.update((items) => items.map((x) => (x.id === moved.id ? moved : x)))
      setOpen(null)
      setText('')
    } catch (err) {
      if (err instanceof ApiError) showError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-spotstaff-complaints' title={t('spotstaff.complaints')}>
      {sheet}
      <StaffHero back={self} />
      <LoadState load={list} testId='staff-complaints' isEmpty={(items) => items.length === 0} empty={t('spotstaff.noComplaints')}>
        {(items) => (
          <>
            {items.map((c, i) => {
              const actions = (NEXT[c.state] ?? []).filter((a) => !managerOnly || a === 'answer')
              return (
                <View key={c.id} className={`card ${i === 0 ? 'card--overlap' : ''} ${c.overdue ? 'card--warn' : ''}`} data-testid='staff-complaint' data-id={c.id} data-state={c.state}>
                  <View className='card__head card__head--top'>
                    <Text className='list__title'>{c.spot_name ?? ''}</Text>
                    <Text className={`chip ${c.overdue ? 'chip--bad' : 'chip--info'}`}>{labelOf(t, c.state, c.state_label, 'tourism.complaintState')}</Text>
                  </View>
                  <Text className='body block' data-user-text>{c.matter}</Text>
                  <View className='kv'>
                    {c.visit_day && <KV k={t('spotstaff.visitDay')}>{c.visit_day}</KV>}
                    <KV k={t('tourism.complainants')}>{c.kind === 'joint' ? `${c.complainants} · ${labelOf(t, c.kind, c.kind_label, 'tourism.complaintKind')}` : String(c.complainants)}</KV>
                    {c.step && c.due && <KV k={labelOf(t, c.step, c.step_label, 'spotstaff.complaintStep')}>{c.due}</KV>}
                  </View>
                  {c.overdue && <Text className='body block bad-text'>{t('spotstaff.overdue')}</Text>}
                  {c.reason && <Text className='caption block'>{t('tourism.refuseReason', { reason: c.reason })}</Text>}
                  {c.answer && <Text className='caption block'>{t('tourism.answer', { answer: c.answer })}</Text>}
                  {c.decision && <Text className='caption block'>{t('tourism.decision', { decision: c.decision })}</Text>}
                  {open?.id === c.id && NEEDS_TEXT.includes(open.action) && (
                    <View className='field field--area'>
                      <Textarea
                        className='field__textarea'
                        data-testid='complaint-text'
                        value={text}
                        maxlength={2000}
                        placeholder={t(`spotstaff.complaint.${open.action}.placeholder`)}
                        onInput={(e) => setText(e.detail.value)}
                      />
                    </View>
                  )}
                  <View className='tour-actions'>
                    {actions.map((a) => (
                      <View
                        key={a}
                        className={`btn btn--small ${a === 'refuse' ? 'btn--danger-ghost' : open?.id === c.id && open.action === a ? 'btn--primary' : 'btn--ghost'} ${busy ? 'btn--busy' : ''}`}
                        data-testid={`complaint-${a}`}
                        onClick={() => (NEEDS_TEXT.includes(a) && !(open?.id === c.id && open.action === a) ? (setOpen({ id: c.id, action: a }), setText('')) : take(c, a))}
                      >
                        {open?.id === c.id && open.action === a ? t('spotstaff.complaint.send') : t(`spotstaff.complaint.${a}`)}
                      </View>
                    ))}
                  </View>
                </View>
              )
            })}
          </>
        )}
      </LoadState>
    </PageShell>
  )
}
