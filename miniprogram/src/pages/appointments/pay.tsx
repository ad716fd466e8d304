import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import AppointmentSummary from '../../components/AppointmentSummary'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { requireLogin } from '../../components/auth'
import { isSandboxPay, type PayParams } from '../../platform'
import {
  ApiError,
  getAppointment,
  listFamily,
  payAppointment,
  savedPayParams,
  showError,
  type Appointment,
  type FamilyMember,
} from '../../api'
import { useT } from '../../i18n'
import { chinaDateTime, chinaRange, yuan } from '../../utils/format'
import '../office/office.css'
import './appointments.css'

/**
 * Pay a held registration before `pay_by`. The button asks first (the amount in yuan, what it pays
 * for), then goes through the platform layer: the sandbox pays by POSTing `complete_url` (this page is
 * then the sandbox pay sheet), WeChat with wx.requestPayment; then the place is confirmed.
 */
export default function AppointmentPay() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const load = useLoad(
    async (): Promise<Appointment> => {
      if (!requireLogin(`/pages/appointments/pay?id=${id}`)) return new Promise<never>(() => undefined)
      const found = await getAppointment(id, { silent: true })
      if (found.state === 'pending_payment') return found
      Taro.redirectTo({ url: `/pages/appointments/detail?id=${id}` })
      return new Promise<never>(() => undefined)
    },
    { when: 'show' },
  )
  const [family, setFamily] = useState<FamilyMember[]>([])
  const [busy, setBusy] = useState(false)
  const [late, setLate] = useState<string | null>(null)
  const [sheet, ask] = useConfirm()
  const params = savedPayParams(id)

  useDidShow(() => {
    listFamily().then(setFamily).catch(() => undefined)
  })

  async function pay(a: Appointment) {
    if (busy || !params) return
    const ok = await ask({
      title: t('appt.payConfirm'),
      amount: `¥${yuan(a.fee_fen)}`,
      body: `${a.service_name} · ${chinaRange(a.starts_at, a.ends_at)}`,
      confirmText: t('appt.payConfirmButton'),
      testId: 'pay-confirm',
    })
    if (!ok) return
    setBusy(true)
    try {
      await payAppointment(id, params)
      Taro.showToast({ title: t('appt.paid'), icon: 'success' })
      await Taro.redirectTo({ url: `/pages/appointments/detail?id=${id}` })
    } catch (err) {
      if (err instanceof ApiError && err.code === 'payment_too_late') setLate(err.message)
      else if (err instanceof ApiError) showError(err)
      else Taro.showToast({ title: t('appt.payFailed'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  const sandbox = params ? isSandboxPay(params as PayParams) : false

  return (
    <PageShell testId='page-appointment-pay' title={t('appt.pay')} className='page--action'>
      {sheet}
      <LoadState load={load} testId='appointment-pay'>
        {(a) => (
          <>
            <View className='card' data-testid='pay-sheet' data-sandbox={sandbox ? 'true' : 'false'}>
              <Text className='caption muted block center'>{t('appt.payAmount')}</Text>
              <Text className='pay__amount' data-testid='pay-amount'>¥{yuan(a.fee_fen)}</Text>
              <Text className='body block center warn-text' data-testid='pay-by'>
                {t('appt.payBy', { time: chinaDateTime(a.pay_by) })}
              </Text>
              {sandbox && <View className='sandbox-note' data-testid='sandbox-note'>{t('appt.sandboxPay')}</View>}
              {!params && <Text className='body muted block' data-testid='pay-missing'>{t('appt.payMissing')}</Text>}
            </View>
            {late && (
              <View className='card card--warn' data-testid='pay-late'>
                <Text className='body block'>{late}</Text>
              </View>
            )}
            <AppointmentSummary a={a} family={family} />
            <View className='action-bar'>
              <View className={`btn btn--wechat btn--block ${busy || !params ? 'btn--busy' : ''}`} data-testid='pay-submit' onClick={() => pay(a)}>
                {t('appt.payButton', { fee: yuan(a.fee_fen) })}
              </View>
            </View>
          </>
        )}
      </LoadState>
    </PageShell>
  )
}
