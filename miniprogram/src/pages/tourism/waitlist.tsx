import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { loginFirst } from '../../components/auth'
import { ApiError, leaveWaitlist, listWaitlist, showError, type WaitlistEntry } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { chinaDateTime, chinaParts } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import './tourism.css'

/**
 * 我的候补: the full slots I wait for, in the order they fill (my place in the line while waiting);
 * an offer is an order to pay before it lapses; leaving asks first.
 */
export default function TourismWaitlist() {
  const t = useT()
  const locale = useLocale()
  const entries = useLoad(() => loginFirst('/pages/tourism/waitlist') ?? listWaitlist({ silent: true }), { when: 'show', deps: [locale] })
  const [busy, setBusy] = useState(false)
  const [sheet, ask] = useConfirm()

  async function leave(e: WaitlistEntry) {
    if (busy) return
    const ok = await ask({ title: t('tourism.leaveWaitlistTitle'), body: e.spot_name, confirmText: t('tourism.leaveWaitlist'), cancelText: t('common.notNow'), danger: true, testId: 'leave-waitlist' })
    if (!ok) return
    setBusy(true)
    try {
      await leaveWaitlist(e.id)
      await entries.reload()
    } catch (err) {
      if (err instanceof ApiError) showError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-tourism-waitlist' title={t('tourism.myWaitlist')}>
      {sheet}
      <View className='card'>
        <Text className='caption muted block'>{t('tourism.waitlistHint')}</Text>
      </View>
      <LoadState load={entries} testId='waitlist' isEmpty={(list) => list.length === 0} empty={t('tourism.noWaitlist')}>
        {(list) => (
          <View className='card'>
            {list.map((e) => {
              const when = e.starts_at ? chinaParts(e.starts_at) : null
              const count = e.size ?? e.visitors?.length ?? 0
              return (
                <View key={e.id} className='tour-line' data-testid='waitlist-entry' data-id={e.id} data-state={e.state}>
                  <View className='tour-line__head'>
                    <Text className='list__title'>{e.spot_name}</Text>
                    <Text className='chip chip--info'>{labelOf(t, e.state, e.state_label, 'tourism.waitState')}</Text>
                  </View>
                  <Text className='caption muted block'>
                    {[when ? `${when.date} ${when.time}` : e.day, count ? t('tourism.ticketsCount', { n: count }) : null].filter(Boolean).join(' · ')}
                  </Text>
                  {e.state === 'waiting' && e.position ? <Text className='body block' data-testid='waitlist-position'>{t('tourism.position', { n: e.position })}</Text> : null}
                  {e.state === 'offered' && e.offer_expires_at && <Text className='body block warn-text'>{t('tourism.offerUntil', { time: chinaDateTime(e.offer_expires_at) })}</Text>}
                  <View className='tour-actions'>
                    {e.order_id && (
                      <View className='btn btn--primary btn--small' data-testid='waitlist-order' onClick={() => Taro.navigateTo({ url: `/pages/tourism/order?id=${e.order_id}` })}>
                        {t('tourism.seeOrder')}
                      </View>
                    )}
                    {e.state === 'waiting' && (
                      <View className={`btn btn--danger-ghost btn--small ${busy ? 'btn--busy' : ''}`} data-testid='waitlist-leave' onClick={() => leave(e)}>
                        {t('tourism.leaveWaitlist')}
                      </View>
                    )}
                  </View>
                </View>
              )
            })}
          </View>
        )}
      </LoadState>
    </PageShell>
  )
}
