import Taro, { useRouter } from '@tarojs/taro'
import { Input, Text, Textarea, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import PaymentCard from '../../components/PaymentCard'
import RefundList from '../../components/RefundList'
import MoneyInput from '../../components/MoneyInput'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { requireStaff } from '../../components/staffAuth'
import {
  ApiError,
  recordBureauRefund,
  refundable,
  refundPayment,
  staffPayments,
  type PaymentOrder,
  type Refund,
} from '../../api'
import { useT } from '../../i18n'
import { yuan } from '../../utils/format'
import '../office/office.css'
import '../payments/payments.css'

/** The finance bureau's reference number of a 退付, as the server takes it. */
const BUREAU_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9_/-]{0,30}$/

interface Refused {
  code: string
  message: string
}

/**
 * Refund all or part of a payment (finance of its merchant): the amount in yuan and a reason, asked
 * once more in a confirmation sheet with the amount. A refund made closes the form (what was refunded
 * and what is left are shown; 再退一笔 opens an empty form again). The server's refusals are shown on
 * the page: more than can still be refunded (with what is left), an order unpaid or closed.
 *
 * A government fee (provider `public`) is not refunded in the app: the finance bureau returns it (退付),
 * and this form records it done, with the bureau's reference number in place of a reason.
 */
/**
 * Whether the form may open: money left to refund, and for a government fee only while the finance
 * bureau still has a 退付 to make (`finance_bureau === 'to_return'`).
 */
const canRecord = (o: PaymentOrder) =>
  refundable(o) > 0 && (o.provider !== 'public' || o.finance_bureau === 'to_return')

/** What the amount field suggests: for a 退付, what the bureau still owes; else what is refundable. */
const placeholderFen = (o: PaymentOrder) =>
  o.provider === 'public' && o.finance_bureau_due_fen != null
    ? Math.max(0, o.finance_bureau_due_fen - o.refunded_fen)
    : refundable(o)

export default function FinanceRefund() {
  const t = useT()
  const id = Number(useRouter().params.id)
  // the staff API has no single-order read: the order comes from the list of the merchants in scope
  const load = useLoad(
    async (): Promise<PaymentOrder | null> => {
      if (!requireStaff(`/pages/finance/refund?id=${id}`)) return new Promise<never>(() => undefined)
      return (await staffPayments({}, { silent: true })).find((o) => o.id === id) ?? null
    },
    { when: 'show' },
  )
  const [fen, setFen] = useState<number | undefined>(undefined)
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [refused, setRefused] = useState<Refused | null>(null)
  const [made, setMade] = useState<Refund[]>([])
  const [formOpen, setFormOpen] = useState(true)
  const [sheet, ask] = useConfirm()

  async function submit(order: PaymentOrder) {
    if (busy) return
    const bureau = order.provider === 'public'
    if (fen === undefined || fen <= 0) {
      Taro.showToast({ title: t('fin.amountInvalid'), icon: 'none' })
      return
    }
    if (bureau ? !BUREAU_REFERENCE.test(reason.trim()) : !reason.trim()) {
      Taro.showToast({ title: t(bureau ? 'fin.bureauReferenceInvalid' : 'fin.reasonRequired'), icon: 'none' })
      return
    }
    const whole = fen >= refundable(order)
    const ok = await ask({
      title: t(bureau ? 'fin.bureauConfirm' : 'fin.refundConfirm'),
      amount: `¥${yuan(fen)}`,
      body: `${order.description} · ${t(whole ? 'fin.refundConfirmAll' : 'fin.refundConfirmPart', { fee: yuan(refundable(order) - fen) })}`,
      confirmText: t(bureau ? 'fin.bureauSubmit' : 'fin.refundSubmit'),
      danger: true,
      testId: 'refund-confirm',
    })
    if (!ok) return
    setBusy(true)
    setRefused(null)
    try {
      const refund = bureau
        ? await recordBureauRefund(order.id, { amount_fen: fen, reference: reason.trim() })
        : await refundPayment(order.id, { amount_fen: fen, reason: reason.trim() })
      setMade((prev) => [refund, ...prev])
      setFen(undefined)
      setReason('')
      setFormOpen(false)
      Taro.showToast({ title: t(bureau ? 'fin.bureauDone' : 'fin.refundDone', { fee: yuan(refund.amount_fen) }), icon: 'success' })
      await load.reload()
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) {
        const left = (err.details as { refundable?: number } | undefined)?.refundable
        const message =
          err.code === 'refund_exceeds_paid' && typeof left === 'number'
            ? t('fin.refusal.refund_exceeds_paid', { fee: yuan(left) })
            : err.code === 'order_not_refundable'
              ? t('fin.refusal.order_not_refundable')
              : err.message
        setRefused({ code: err.code, message })
      } else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-finance-refund' title={t('fin.refundTitle')} className='staff'>
      {sheet}
      <LoadState load={load} testId='refund-order' isEmpty={(order) => order === null} empty={t('fin.none')}>
        {(order) => order && (
          <>
            <PaymentCard order={order} />
            <View className='card' data-testid='refund-card'>
              <Text className='card__title'>{t(order.provider === 'public' ? 'fin.bureauTitle' : 'fin.refundTitle')}</Text>
              <Text className='body block' data-testid='refundable'>{t('fin.refundable', { fee: yuan(refundable(order)) })}</Text>
              {order.provider === 'public' && (
                <Text className='caption muted block' data-testid='bureau-hint'>
                  {t('fin.bureauHint')}
                  {order.finance_bureau === 'to_return' && order.finance_bureau_due_fen
                    ? ` ${t('fin.bureauDue', { fee: yuan(Math.max(0, order.finance_bureau_due_fen - order.refunded_fen)) })}`
                    : ''}
                </Text>
              )}
              {formOpen && canRecord(order) ? (
                <View data-testid='refund-form'>
                  <View className='refund-form'>
                    <Text className='field__label'>{t(order.provider === 'public' ? 'fin.bureauAmount' : 'fin.refundAmount')}</Text>
                    <MoneyInput fen={fen} onChange={setFen} testId='refund-amount' placeholder={yuan(placeholderFen(order))} />
                    {order.provider === 'public' ? (
                      <>
                        <Text className='field__label'>{t('fin.bureauReference')}</Text>
                        <View className='field'>
                          <Input
                            className='field__input'
                            data-testid='refund-reference'
                            value={reason}
                            maxlength={31}
                            placeholder='CZ2026-0042'
                            onInput={(e) => setReason(e.detail.value)}
                          />
                        </View>
                      </>
                    ) : (
                      <>
                        <Text className='field__label'>{t('fin.refundReason')}</Text>
                        <View className='field field--area'>
                          <Textarea
                            className='field__textarea'
                            data-testid='refund-reason'
                            value={reason}
                            maxlength={200}
                            placeholder={t('fin.refundReasonPlaceholder')}
                            onInput={(e) => setReason(e.detail.value)}
                          />
                        </View>
                      </>
                    )}
                  </View>
                  {refused && (
                    <View className='refund-refused' data-testid='refund-refused' data-code={refused.code}>
                      <Text className='card__title'>{t('fin.refused')}</Text>
                      <Text className='body block'>{refused.message}</Text>
                    </View>
                  )}
                  <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='refund-submit' onClick={() => submit(order)}>
                    {t(order.provider === 'public' ? 'fin.bureauSubmit' : 'fin.refundSubmit')}
                  </View>
                </View>
              ) : (
                canRecord(order) && (
                  <View className='btn btn--ghost btn--block' data-testid='refund-again' onClick={() => setFormOpen(true)}>
                    {t('fin.refundAgain')}
                  </View>
                )
              )}
            </View>
          </>
        )}
      </LoadState>
      {made.length > 0 && (
        <View className='card' data-testid='refunds-made'>
          <Text className='card__title'>{t('fin.refundsMade')}</Text>
          <RefundList refunds={made} />
        </View>
      )}
    </PageShell>
  )
}
