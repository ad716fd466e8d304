import Taro, { useRouter } from '@tarojs/taro'
import { Input, Text, Textarea, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { loginFirst } from '../../components/auth'
import { ApiError, fileComplaint, getTicketOrder, listComplaints, type Complaint } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { chinaParts } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import './tourism.css'

/**
 * 旅游投诉 (《旅游投诉处理办法》): with `?order=` a form about that order (the matter, how many
 * complain together: 4 or more make a joint complaint), then my complaints with their state and the
 * dates the spot must accept, answer and close by.
 */
export default function TourismComplaints() {
  const t = useT()
  const locale = useLocale()
  const orderId = Number(useRouter().params.order) || null
  const self = `/pages/tourism/complaints${orderId ? `?order=${orderId}` : ''}`
  const mine = useLoad(() => loginFirst(self) ?? listComplaints({ silent: true }), { when: 'show', deps: [locale] })
  const order = useLoad(() => (orderId ? getTicketOrder(orderId, { silent: true }) : Promise.resolve(null)), { when: 'mount' })
  const [matter, setMatter] = useState('')
  const [count, setCount] = useState('1')
  const [busy, setBusy] = useState(false)
  const [refused, setRefused] = useState<string | null>(null)

  async function submit() {
    if (busy || !orderId) return
    const n = Number(count)
    if (!matter.trim() || !Number.isInteger(n) || n < 1) {
      Taro.showToast({ title: t('tourism.complaintMissing'), icon: 'none' })
      return
    }
    setBusy(true)
    setRefused(null)
    try {
      await fileComplaint({ order_id: orderId, matter: matter.trim(), complainants: n })
      Taro.showToast({ title: t('tourism.complaintFiled'), icon: 'success' })
      setMatter('')
      await Taro.redirectTo({ url: '/pages/tourism/complaints' })
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) setRefused(err.message)
      else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-tourism-complaints' title={t('tourism.complaints')}>
      {orderId && (
        <View className='card' data-testid='complaint-form'>
          <Text className='card__title'>{t('tourism.complaintNew')}</Text>
          {order.data && <Text className='body block'>{`${order.data.spot_name} · ${chinaParts(order.data.starts_at).date}`}</Text>}
          <Text className='field__label'>{t('tourism.matter')}</Text>
          <View className='field field--area'>
            <Textarea className='field__textarea' data-testid='complaint-matter' value={matter} maxlength={2000} onInput={(e) => setMatter(e.detail.value)} />
          </View>
          <Text className='field__label'>{t('tourism.complainants')}</Text>
          <View className='field field--short'>
            <Input className='field__input' type='number' data-testid='complaint-count' value={count} maxlength={3} onInput={(e) => setCount(e.detail.value)} />
          </View>
          <Text className='caption muted block'>{t('tourism.complaintHint')}</Text>
          {refused && <Text className='body block bad-text' data-testid='complaint-refused'>{refused}</Text>}
          <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='complaint-submit' onClick={submit}>
            {t('common.submit')}
          </View>
        </View>
      )}
      <LoadState load={mine} testId='complaints' isEmpty={(list) => list.length === 0} empty={t('tourism.noComplaints')}>
        {(list) => (
          <View className='card'>
            <Text className='card__title'>{t('tourism.myComplaints')}</Text>
            {list.map((c) => (
              <ComplaintRow key={c.id} c={c} />
            ))}
          </View>
        )}
      </LoadState>
    </PageShell>
  )
}

function ComplaintRow({ c }: { c: Complaint }) {
  const t = useT()
  return (
    <View className='tour-line' data-testid='complaint' data-id={c.id} data-state={c.state}>
      <View className='tour-line__head'>
        <Text className='list__title'>{c.spot_name ?? t('tourism.complaint')}</Text>
        <Text className='chip chip--info'>{labelOf(t, c.state, c.state_label, 'tourism.complaintState')}</Text>
      </View>
      <Text className='body block' data-user-text>{c.matter}</Text>
      <View className='kv'>
        <KV k={t('tourism.complainants')}>{c.kind === 'joint' ? `${c.complainants} · ${labelOf(t, c.kind, c.kind_label, 'tourism.complaintKind')}` : String(c.complainants)}</KV>
        {c.accept_by && <KV k={t('tourism.acceptBy')}>{c.accept_by.slice(0, 10)}</KV>}
        {c.answer_by && <KV k={t('tourism.answerBy')}>{c.answer_by.slice(0, 10)}</KV>}
        {c.close_by && <KV k={t('tourism.closeBy')}>{c.close_by.slice(0, 10)}</KV>}
      </View>
      {c.reason && <Text className='caption block'>{t('tourism.refuseReason', { reason: c.reason })}</Text>}
      {c.answer && <Text className='caption block'>{t('tourism.answer', { answer: c.answer })}</Text>}
      {c.decision && <Text className='caption block'>{t('tourism.decision', { decision: c.decision })}</Text>}
    </View>
  )
}
