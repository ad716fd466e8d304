import Taro, { useDidShow } from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import { requireStaff } from '../../components/staffAuth'
import {
  reconciliationExceptions,
  resolveException,
  runReconciliation,
  type ReconciliationException,
  type ReconciliationRun,
} from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { chinaToday, yuan } from '../../utils/format'
import '../office/office.css'
import '../payments/payments.css'

const KIND_TONE: Record<string, string> = { missing: 'bad', extra: 'warn', amount_differs: 'bad', state_differs: 'warn' }

/** One side of a mismatch (ours or the provider's statement line) in a line of text. */
function side(v: Record<string, unknown> | null): string {
  if (!v) return '—'
  const parts: string[] = []
  if (typeof v.amount_fen === 'number') parts.push(`¥${yuan(v.amount_fen)}`)
  for (const [k, value] of Object.entries(v)) {
    if (k !== 'amount_fen' && value !== null && value !== undefined && value !== false) parts.push(`${k}: ${String(value)}`)
  }
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
  const [items, setItems] = useState<ReconciliationException[] | null>(null)
  const [notes, setNotes] = useState<Record<number, string>>({})

  async function reload() {
    try {
      setItems(await reconciliationExceptions())
    } catch {
      setItems([])
    }
  }

  useDidShow(() => {
    if (!requireStaff('/pages/finance/reconciliation')) return
    reload()
  })

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
        {items === null ? (
          <Text className='body muted'>{t('common.loading')}</Text>
        ) : items.length === 0 ? (
          <Text className='body muted block' data-testid='exceptions-empty'>{t('fin.noExceptions')}</Text>
        ) : (
          <View data-testid='exceptions'>
            {items.map((e) => (
              <View key={e.id} className='recon-exception' data-testid='exception' data-id={e.id} data-kind={e.kind}>
                <View className='card__head'>
                  <Text className={`chip chip--${KIND_TONE[e.kind] ?? 'muted'}`}>
                    {t(`fin.kind.${e.kind}` as MessageKey) === `fin.kind.${e.kind}` ? e.kind : t(`fin.kind.${e.kind}` as MessageKey)}
                  </Text>
                  <Text className='caption muted'>{e.day}</Text>
                </View>
                <Text className='caption block mono' data-testid='exception-reference'>{e.reference}</Text>
                <View className='recon-sides'>
                  <View className='recon-side'>
                    <Text className='caption muted block'>{t('fin.ours')}</Text>
                    <Text>{side(e.ours)}</Text>
                  </View>
                  <View className='recon-side'>
                    <Text className='caption muted block'>{t('fin.theirs')}</Text>
                    <Text>{side(e.theirs)}</Text>
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
      </View>
    </PageShell>
  )
}
