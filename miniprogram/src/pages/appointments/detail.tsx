import Taro, { useDidHide, useDidShow, useRouter, useUnload } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useRef, useState } from 'react'
import PageShell from '../../components/PageShell'
import AppointmentSummary from '../../components/AppointmentSummary'
import StateBadge from '../../components/StateBadge'
import CredentialQr from '../../components/CredentialQr'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { beingRefunded } from '../../components/appointmentMoney'
import { requireLogin } from '../../components/auth'
import { ApiError, cancelAppointment, getAppointment, listFamily, showError, type FamilyMember } from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { yuan } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import './appointments.css'

/** How often the page asks for the queue position while the resident waits (ms). */
const REFRESH_MS = 5000

/**
 * One appointment: the check-in code shown large while booked; once checked in, the queue number,
 * how many are ahead and the window when called (refreshed on a timer); cancel (asked first); pay if
 * held; after a cancellation or a refund, what happens to the fee (coming back, refunded, or the
 * unpaid order closed) and no code or pass any more.
 */
export default function AppointmentDetail() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const load = useLoad(
    () =>
      requireLogin(`/pages/appointments/detail?id=${id}`) ? getAppointment(id, { silent: true }) : new Promise<never>(() => undefined),
    { when: 'show' },
  )
  const a = load.data
  const [family, setFamily] = useState<FamilyMember[]>([])
  const [visible, setVisible] = useState(true)
  const [busy, setBusy] = useState(false)
  const [showPass, setShowPass] = useState(false)
  const [sheet, ask] = useConfirm()
  const timer = useRef<ReturnType<typeof setInterval> | null>(null)

  useDidShow(() => {
    setVisible(true)
    listFamily().then(setFamily).catch(() => undefined)
  })
  useDidHide(() => setVisible(false))

  // refresh while something can change: checked in by staff, called, served; a refund on its way
  const live =
    visible && !!a && (a.state === 'booked' || a.state === 'checked_in' || a.money?.state === 'refunding')
  useEffect(() => {
    if (!live) return undefined
    timer.current = setInterval(() => load.reload(), REFRESH_MS)
    return () => {
      if (timer.current) clearInterval(timer.current)
      timer.current = null
    }
  }, [live, id])
  useUnload(() => {
    if (timer.current) clearInterval(timer.current)
  })

  async function cancel() {
    if (busy || !a) return
    const paid = a.money && a.money.paid_fen > 0 ? a.money.paid_fen : 0
    const ok = await ask({
      title: t('appt.cancel'),
      body: t(paid ? 'appt.cancelConfirmPaid' : 'appt.cancelConfirm'),
      confirmText: t('appt.cancelYes'),
      cancelText: t('common.notNow'),
      danger: true,
      testId: 'cancel-confirm',
    })
    if (!ok) return
    setBusy(true)
    try {
      const cancelled = await cancelAppointment(id)
      load.update(() => cancelled)
      Taro.showToast({ title: t('appt.cancelled'), icon: 'success' })
    } catch (err) {
      if (err instanceof ApiError && err.code === 'cancel_cutoff_passed') {
        const minutes = (err.details as { cutoff_minutes?: number } | undefined)?.cutoff_minutes
        Taro.showModal({ title: t('appt.cancel'), content: minutes ? t('appt.cutoff', { n: minutes }) : err.message, showCancel: false })
      } else showError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-appointment' title={t('appt.detail')}>
      {sheet}
      <LoadState load={load} testId='appointment'>
        {(loaded) => body(loaded)}
      </LoadState>
    </PageShell>
  )

  function body(a: NonNullable<typeof load.data>) {
    const q = a.queue
    // what the fee is doing once it is not simply due or paid: coming back, refunded, closed unpaid
    const m = a.money
    const money = m && m.state !== 'awaiting' && (m.state !== 'paid' || m.refund_fen > 0) ? m : null
    const refunding = beingRefunded(a)
    return (
      <>
        {a.state === 'booked' && a.checkin_code && !refunding && (
          <View className='card checkin' data-testid='checkin-card'>
            <Text className='card__title'>{t('appt.checkinCode')}</Text>
            <Text className='checkin__code' data-testid='checkin-code'>{a.checkin_code}</Text>
            <Text className='caption muted block'>{t('appt.checkinHint')}</Text>
            {showPass ? (
              <>
                <CredentialQr kind='appointment_pass' id={a.id} testId='pass-qr' />
                <Text className='caption muted block'>{t('qr.passHint')}</Text>
                <Text className='link block' data-testid='pass-hide' onClick={() => setShowPass(false)}>
                  {t('qr.hide')}
                </Text>
              </>
            ) : (
              <View className='btn btn--ghost btn--block' data-testid='pass-show' onClick={() => setShowPass(true)}>
                {t('qr.showPass')}
              </View>
            )}
          </View>
        )}

        {q && (
          <View
            className={`card queue-number ${q.state === 'called' ? 'queue-number--called' : ''}`}
            data-testid='queue-card'
            data-state={q.state}
            data-label={q.label}
            data-window={q.window ?? ''}
          >
            <View className='card__head'>
              <Text className='card__title'>{t('appt.queueNumber')}</Text>
              <StateBadge kind='ticket' state={q.state} label={q.state_label} testId='queue-state' />
            </View>
            <Text className='queue-number__label' data-testid='queue-label'>{q.label}</Text>
            {q.state === 'called' ? (
              <Text className='queue-number__line' data-testid='queue-called'>{t('appt.calledTo', { window: q.window ?? '' })}</Text>
            ) : q.state === 'waiting' ? (
              <View className='queue-stats'>
                <View className='queue-stats__item'>
                  <Text className='queue-stats__value' data-testid='queue-ahead'>{q.ahead}</Text>
                  <Text className='caption muted'>{t('appt.ahead')}</Text>
                </View>
                <View className='queue-stats__item'>
                  <Text className='queue-stats__value'>{q.estimated_wait_minutes}</Text>
                  <Text className='caption muted'>{t('appt.waitMinutes')}</Text>
                </View>
              </View>
            ) : (
              <Text className='queue-number__line'>{t(`ticket.hint.${q.state}` as MessageKey)}</Text>
            )}
            {live && <Text className='caption muted block'>{t('appt.autoRefresh')}</Text>}
          </View>
        )}

        <AppointmentSummary a={a} family={family} />

        {money && (
          <View className='card' data-testid='appointment-money' data-state={money.state} data-refund={money.refund_fen}>
            <View className='card__head'>
              <Text className='card__title'>{t('appt.money')}</Text>
              <Text className={`chip ${money.state === 'refunded' ? 'chip--ok' : 'chip--warn'}`} data-testid='appointment-money-state'>
                {labelOf(t, money.state, money.state_label, 'appt.moneyState')}
              </Text>
            </View>
            {money.paid_fen > 0 && (
              <View className='kv'>
                <KV k={t('appt.moneyPaid')}>¥{yuan(money.paid_fen)}</KV>
                <KV k={t('appt.moneyRefund')} testId='appointment-refund'>¥{yuan(money.refund_fen)}</KV>
              </View>
            )}
            <Text className='caption muted block' data-testid='appointment-money-note'>
              {refunding
                ? t('appt.money.cancelling')
                : t(money.state === 'paid' ? 'appt.money.partly' : (`appt.money.${money.state}` as MessageKey))}
            </Text>
          </View>
        )}

        {a.state === 'pending_payment' && (
          <View className='card'>
            <View className='btn btn--wechat btn--block btn--flush' data-testid='appointment-pay' onClick={() => Taro.redirectTo({ url: `/pages/appointments/pay?id=${a.id}` })}>
              {t('appt.pay')}
            </View>
          </View>
        )}

        {(a.state === 'booked' || a.state === 'pending_payment') && !refunding && (
          <View className={`btn btn--danger-ghost btn--block case-withdraw ${busy ? 'btn--busy' : ''}`} data-testid='appointment-cancel' onClick={cancel}>
            {t('appt.cancel')}
          </View>
        )}
      </>
    )
  }
}
