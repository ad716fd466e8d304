import Taro, { useDidShow } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import Segmented from '../../components/Segmented'
import StateBadge from '../../components/StateBadge'
import { requireStaff } from '../../components/staffAuth'
import { isFrontline, onlyFrontline } from '../../components/frontline'
import { isFinance } from '../../components/finance'
import { isCaseOfficer } from '../../components/staffAuth'
import { itemName, listQueue, QUEUES, staffStore, useStaff, type Application, type Queue } from '../../api'
import { useT } from '../../i18n'
import { load, save } from '../../store/storage'
import { formatDateTime } from '../../utils/format'
import '../office/office.css'

/** The staff case queues: to accept, to review, mine, waiting for a supplement, overdue. */
export default function StaffQueue() {
  const t = useT()
  const staff = useStaff()
  const [queue, setQueue] = useState<Queue>(load<Queue>('staffQueue', 'intake'))
  const [items, setItems] = useState<Application[] | null>(null)
  const [names, setNames] = useState<Record<string, string>>({})

  async function reload(q: Queue = queue) {
    setItems(null)
    try {
      const list = await listQueue(q)
      setItems(list)
      for (const code of new Set(list.map((a) => a.item_code))) {
        itemName(code).then((name) => setNames((prev) => ({ ...prev, [code]: name })))
      }
    } catch {
      setItems([])
    }
  }

  useDidShow(() => {
    if (!requireStaff('/pages/staff/index')) return
    // frontline staff have no case queues: their work is the desk at their site
    if (onlyFrontline(staffStore.get())) {
      Taro.redirectTo({ url: '/pages/frontline/index' })
      return
    }
    reload()
  })

  function pick(q: Queue) {
    setQueue(q)
    save('staffQueue', q)
    reload(q)
  }


  return (
    <PageShell testId='page-staff' title={t('staff.title')} className='staff'>
      <StaffHero hint={staff?.username ?? ''} />
      {isFrontline(staff) && (
        <View className='card card--overlap card--link' data-testid='frontline-entry' onClick={() => Taro.navigateTo({ url: '/pages/frontline/index' })}>
          <View className='setting__text'>
            <Text className='setting__label'>{t('front.title')}</Text>
            <Text className='caption muted'>{t('front.entryHint')}</Text>
          </View>
          <Text className='list__arrow'>›</Text>
        </View>
      )}
      {isFrontline(staff) && (
        <View className='card card--link' data-testid='scan-entry' onClick={() => Taro.navigateTo({ url: '/pages/frontline/scan' })}>
          <View className='setting__text'>
            <Text className='setting__label'>{t('scan.title')}</Text>
            <Text className='caption muted'>{t('scan.entryHint')}</Text>
          </View>
          <Text className='list__arrow'>›</Text>
        </View>
      )}
      {isFinance(staff) && (
        <View
          className={`card card--link ${isFrontline(staff) ? '' : 'card--overlap'}`}
          data-testid='finance-entry'
          onClick={() => Taro.navigateTo({ url: '/pages/finance/index' })}
        >
          <View className='setting__text'>
            <Text className='setting__label'>{t('fin.title')}</Text>
            <Text className='caption muted'>{t('fin.entryHint')}</Text>
          </View>
          <Text className='list__arrow'>›</Text>
        </View>
      )}
      {isCaseOfficer(staff) && (
        <View
          className={`card card--link ${isFrontline(staff) || isFinance(staff) ? '' : 'card--overlap'}`}
          data-testid='guardianship-entry'
          onClick={() => Taro.navigateTo({ url: '/pages/staff/guardianship' })}
        >
          <View className='setting__text'>
            <Text className='setting__label'>{t('gp.title')}</Text>
            <Text className='caption muted'>{t('gp.entryHint')}</Text>
          </View>
          <Text className='list__arrow'>›</Text>
        </View>
      )}
      <View className={`card ${isFrontline(staff) || isFinance(staff) || isCaseOfficer(staff) ? '' : 'card--overlap'}`}>
        <Segmented testIdPrefix='queue' value={queue} onChange={pick} options={QUEUES.map((q) => ({ value: q, label: t(`staff.queue.${q}`) }))} />
        {items === null ? (
          <Text className='body muted block queue-note'>{t('common.loading')}</Text>
        ) : items.length === 0 ? (
          <Text className='body muted block queue-note' data-testid='queue-empty'>{t('staff.queueEmpty')}</Text>
        ) : (
          <View className='list' data-testid='queue-list'>
            {items.map((c) => (
              <View
                key={c.id}
                className='list__row list__row--tap'
                data-testid='queue-case'
                data-id={c.id}
                data-number={c.number}
                data-state={c.state}
                onClick={() => Taro.navigateTo({ url: `/pages/staff/case?id=${c.id}` })}
              >
                <View className='list__main list__main--flush'>
                  <Text className='list__title block mono'>{c.number}</Text>
                  <Text className='caption muted block'>
                    {names[c.item_code] ?? c.item_code} · {formatDateTime(c.submitted_at ?? c.created_at)}
                  </Text>
                  {c.claimed_by !== null && (
                    <Text className='caption block'>{c.claimed_by === staff?.id ? t('staff.claimedByMe') : t('staff.claimedByOther')}</Text>
                  )}
                </View>
                <StateBadge state={c.state} />
              </View>
            ))}
          </View>
        )}
      </View>
    </PageShell>
  )
}
