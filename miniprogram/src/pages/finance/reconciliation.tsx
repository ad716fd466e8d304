import Taro from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireStaff } from '../../components/staffAuth'
import {
  reconciliationExceptions,
  resolveException,
  runReconciliation,
  type ReconciliationException,
  type ReconciliationRun,
} from '../../api'
import { useT } from '../../i18n'
import { chinaToday, yuan } from '../../utils/format'
import { labelOf, serverLabel } from '../../utils/labels'
import '../office/office.css'
import '../payments/payments.css'

const KIND_TONE: Record<string, string> = { missing: 'bad', extra: 'warn', amount_differs: 'bad', state_differs: 'warn' }

type Translate = ReturnType<typeof useT>

/**
 * One side of a mismatch (ours or the provider's statement line) in a line of words: the amount in
 * yuan, the state by its name (an order's, a refund's or the provider's), late payments said so and
 * the provider's transaction number; never the record's keys.
 */
function side(t: Translate, v: Record<string, unknown> | null): string {
  if (!v) return '—'
  const parts: string[] = []
  if (typeof v.amount_fen === 'number') parts.push(`¥${yuan(v.amount_fen)}`)
  if (typeof v.state === 'string') {
    const state = v.state
    const label = serverLabel(v, 'state') ?? ['pay.state', 'refund.state', 'fin.side'].map((prefix) => labelOf(t, state, null, prefix)).find((l) => l !== state)
    parts.push(label ?? state)
  }
  if (v.late_payment === true) parts.push(t('fin.lateBadge'))
  if (typeof v.transaction_id === 'string' && v.transaction_id) parts.push(t('fin.side.transaction', { id: v.transaction_id }))
  return parts.join(' · ')
}

/**
 * Reconciliation (对账): run a China day's statement against our books (rerunnable), then work
 * through the mismatches still open, each with its kind, our side and the provider's, and a note.
 */
export default function Reconciliation() {
  const t = useT()
  const [day, setDay] = useState(chinaToday())
  const [run, setRun] = useState<ReconciliationRun | null>(null)
  const [busy, setBusy] = useState(false)
  const items = useLoad(
    () => (requireStaff('/pages/finance/reconciliation') ? reconciliationExceptions({ silent: true }) : new Promise<never>(() => undefined)),
    { when: 'show' },
  )
  const reload = items.reload
  const [notes, setNotes] = useState<Record<number, string>>({})

  async function start() {
    if (busy) return
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day.trim())) {
      Taro.showToast({ title: t('fin.dayInvalid'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      setRun(await runReconciliation(day.trim()))
      await reload()
    } catch {
      /* toast shown */
    } finally {
      setBusy(false)
    }
  }

  async function resolve(e: ReconciliationException) {
    const note = (notes[e.id] ?? '').trim()
    if (!note) {
      Taro.showToast({ title: t('fin.noteRequired'), icon: 'none' })
      return
    }
    try {
      await resolveException(e.id, note)
      Taro.showToast({ title: t('fin.resolved'), icon: 'success' })
      await reload()
    } catch {
      /* toast shown */
    }
  }

  return (
    <PageShell testId='page-reconciliation' title={t('fin.reconcile')} className='staff'>
      <View className='card' data-testid='reconcile-run'>
        <Text className='card__title'>{t('fin.reconcile')}</Text>
        <Text className='caption muted block'>{t('fin.reconcileHint')}</Text>
        <Text className='field__label'>{t('fin.day')}</Text>
        <View className='field'>
          <Input
            className='field__input'
            data-testid='reconcile-day'
            value={day}
            placeholder='YYYY-MM-DD'
            maxlength={10}
            onInput={(e) => setDay(e.detail.value)}
          />
        </View>
        <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='reconcile-submit' onClick={start}>
          {t('fin.run')}
        </View>
        {run && (
          <View
            className='recon-result'
            data-testid='reconcile-result'
            data-lines={run.lines}
            data-matched={run.matched}
            data-exceptions={run.exceptions}
          >
            {run.day} · {t('fin.runResult', { lines: run.lines, matched: run.matched, exceptions: run.exceptions })}
          </View>
        )}
      </View>
      <View className='card' data-testid='exceptions-card'>
        <Text className='card__title'>{t('fin.exceptions')}</Text>
        <LoadState load={items} testId='exceptions' card={false} isEmpty={(list) => list.length === 0} empty={t('fin.noExceptions')}>
          {(list) => (
          <View data-testid='exceptions'>
            {list.map((e) => (
              <View key={e.id} className='recon-exception' data-testid='exception' data-id={e.id} data-kind={e.kind}>
                <View className='card__head'>
                  <Text className={`chip chip--${KIND_TONE[e.kind] ?? 'muted'}`}>
                    {labelOf(t, e.kind, serverLabel(e, 'kind'), 'fin.kind')}
                  </Text>
                  <Text className='caption muted'>{e.day}</Text>
                </View>
                <Text className='caption block mono' data-testid='exception-reference'>{e.reference}</Text>
                <View className='recon-sides'>
                  <View className='recon-side'>
                    <Text className='caption muted block'>{t('fin.ours')}</Text>
                    <Text>{side(t, e.ours)}</Text>
                  </View>
                  <View className='recon-side'>
                    <Text className='caption muted block'>{t('fin.theirs')}</Text>
                    <Text>{side(t, e.theirs)}</Text>
                  </View>
                </View>
                <View className='resolve-form'>
                  <View className='field'>
                    <Input
                      className='field__input'
                      data-testid='exception-note'
                      value={notes[e.id] ?? ''}
                      placeholder={t('fin.notePlaceholder')}
                      maxlength={200}
                      onInput={(ev) => setNotes((prev) => ({ ...prev, [e.id]: ev.detail.value }))}
                    />
                  </View>
                  <View className='btn btn--ghost btn--block' data-testid='exception-resolve' onClick={() => resolve(e)}>
                    {t('fin.resolve')}
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
