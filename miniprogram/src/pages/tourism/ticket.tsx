import { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import CredentialQr from '../../components/CredentialQr'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { loginFirst } from '../../components/auth'
import { getTicketOrder, ticketCredential } from '../../api'
import { useT } from '../../i18n'
import { chinaParts } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import './tourism.css'

/**
 * 入园码: a confirmed ticket's dynamic QR (kind `ticket`, from the ticket's credential route), shown
 * at the gate and scanned once; a new code before each one expires, the timer stopped while hidden.
 */
export default function TourismTicket() {
  const t = useT()
  const params = useRouter().params
  const id = Number(params.id)
  const orderId = Number(params.order)
  const order = useLoad(
    () => loginFirst(`/pages/tourism/ticket?id=${id}&order=${orderId}`) ?? getTicketOrder(orderId, { silent: true }),
    { when: 'mount' },
  )
  return (
    <PageShell testId='page-tourism-ticket' title={t('tourism.ticketQr')}>
      <LoadState load={order} testId='ticket-qr'>
        {(o) => {
          const tk = o.tickets.find((x) => x.id === id)
          const when = chinaParts(o.starts_at)
          return (
            <View className='card center' data-testid='ticket-card' data-state={tk?.state}>
              <Text className='item-title block'>{o.spot_name}</Text>
              <Text className='body block'>{`${when.date} ${when.time}`}</Text>
              {tk && (
                <View className='kv'>
                  <KV k={t('tourism.visitor')}>{tk.name_masked ?? tk.document_masked}</KV>
                  <KV k={t('tourism.category')}>{labelOf(t, tk.category, tk.category_label, 'tourism.category')}</KV>
                  <KV k={t('tourism.ticketState')}>{labelOf(t, tk.state, tk.state_label, 'tourism.ticketState')}</KV>
                </View>
              )}
              <CredentialQr kind='ticket' id={id} testId='ticket-credential' source={() => ticketCredential(id)} />
              <Text className='caption muted block'>{t('tourism.qrHint')}</Text>
            </View>
          )
        }}
      </LoadState>
    </PageShell>
  )
}
