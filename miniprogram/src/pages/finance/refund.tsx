import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import { Input, Text, Textarea, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import PaymentCard from '../../components/PaymentCard'
import RefundList from '../../components/RefundList'
import { requireStaff } from '../../components/staffAuth'
import { parseYuan } from '../../components/finance'
import { ApiError, refundable, refundPayment, staffPayments, type PaymentOrder, type Refund } from '../../api'
import { useT } from '../../i18n'
import { yuan } from '../../utils/format'
import '../office/office.css'
import '../payments/payments.css'

interface Refused {
  code: string
  message: string
}

/**
 * Refund all or part of a payment (finance of its merchant): amount in yuan and a reason. The
 * server's refusals are shown on the page: more than can still be refunded (with what is left), an
 * order that is unpaid or closed.
 */
export default function FinanceRefund() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const [order, setOrder] = useState<PaymentOrder | null>(null)
  const [missing, setMissing] = useState(false)
  const [amount, setAmount] = useState('')
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [refused, setRefused] = useState<Refused | null>(null)
  const [made, setMade] = useState<Refund[]>([])

  async function reload() {
    // the staff API has no single-order read: the order comes from the list of the merchants in scope
    const found = (await staffPayments()).find((o) => o.id === id) ?? null
    setOrder(found)
    setMissing(found === null)
  }

  useDidShow(() => {
    if (!requireStaff(`/pages/finance/refund?id=${id}`)) return
    reload().catch(() => setMissing(true))
  })

  async function submit() {
    if (busy || !order) return
    const fen = parseYuan(amount)
    if (fen === null) {
      Taro.showToast({ title: t('fin.amountInvalid'), icon: 'none' })
      return
    }
    if (!reason.trim()) {
      Taro.showToast({ title: t('fin.reasonRequired'), icon: 'none' })
      return
    }
    setBusy(true)
    setRefused(null)
    try {
      const refund = await refundPayment(order.id, { amount_fen: fen, reason: reason.trim() })
      setMade((prev) => [refund, ...prev])
      setAmount('')
      setReason('')
      Taro.showToast({ title: t('fin.refundDone', { fee: yuan(refund.amount_fen) }), icon: 'success' })
      await reload()
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

  if (!order) {
    return (
      <PageShell testId='page-finance-refund' title={t('fin.refundTitle')} className='staff'>
        <View className='card'>
          <Text className='body muted'>{missing ? t('fin.none') : t('common.loading')}</Text>
        </View>
      </PageShell>
    )
  }

  return (
    <PageShell testId='page-finance-refund' title={t('fin.refundTitle')} className='staff'>
      <PaymentCard order={order} />
      <View className='card' data-testid='refund-form'>
        <Text className='card__title'>{t('fin.refundTitle')}</Text>
        <Text className='body block' data-testid='refundable'>{t('fin.refundable', { fee: yuan(refundable(order)) })}</Text>
        <View className='refund-form'>
          <Text className='field__label'>{t('fin.refundAmount')}</Text>
          <View className='field'>
            <Input
              className='field__input'
              data-testid='refund-amount'
              type='digit'
              value={amount}
              placeholder={yuan(refundable(order))}
              maxlength={10}
              onInput={(e) => setAmount(e.detail.value)}
            />
          </View>
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
        </View>
        {refused && (
          <View className='refund-refused' data-testid='refund-refused' data-code={refused.code}>
            <Text className='card__title'>{t('fin.refused')}</Text>
            <Text className='body block'>{refused.message}</Text>
          </View>
        )}
        <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='refund-submit' onClick={submit}>
          {t('fin.refundSubmit')}
        </View>
      </View>
      {made.length > 0 && (
        <View className='card' data-testid='refunds-made'>
          <Text className='card__title'>{t('pay.refunds')}</Text>
          <RefundList refunds={made} />
        </View>
      )}
    </PageShell>
  )
}
