import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import Segmented from '../../components/Segmented'
import CaseRow from '../../components/CaseRow'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireStaff } from '../../components/staffAuth'
import { isFrontline, onlyFrontline } from '../../components/frontline'
import { isFinance, onlyFinance } from '../../components/finance'
import { hasSpotRole, onlySpotWork } from '../../components/spotStaff'
import { isCaseOfficer } from '../../components/staffAuth'
import { itemName, listQueue, QUEUES, staffStore, useStaff, type Queue } from '../../api'
import { useT } from '../../i18n'
import { load, save } from '../../store/storage'

/** The staff case queues: to accept, to review, mine, waiting for a supplement, overdue. */
export default function StaffQueue() {
  const t = useT()
  const staff = useStaff()
  const router = useRouter()
  const [queue, setQueue] = useState<Queue>(load<Queue>('staffQueue', 'intake'))
  const [names, setNames] = useState<Record<string, string>>({})
  const cases = useLoad(
    async () => {
      if (!requireStaff('/pages/staff/index')) return new Promise<never>(() => undefined)
      // a spot's gate, window and manager work at the spot desk (a scanner there, not at a hall)
      if (await onlySpotWork(staffStore.get())) {
        Taro.redirectTo({ url: '/pages/spotstaff/index' })
        return new Promise<never>(() => undefined)
      }
      // frontline staff have no case queues: their work is the desk at their site
      if (onlyFrontline(staffStore.get())) {
        Taro.redirectTo({ url: '/pages/frontline/index' })
        return new Promise<never>(() => undefined)
      }
      // finance lands on its payments desk, and opens the queues from there (?queues=1) to pay out aid
      if (onlyFinance(staffStore.get()) && !router.params.queues) {
        Taro.redirectTo({ url: '/pages/finance/index' })
        return new Promise<never>(() => undefined)
      }
      const list = await listQueue(queue, { silent: true })
      for (const code of new Set(list.filter((a) => !a.item_label).map((a) => a.item_code))) {
        itemName(code).then((name) => setNames((prev) => ({ ...prev, [code]: name })))
      }
      return list
    },
    { when: 'show', deps: [queue] },
  )

  function pick(q: Queue) {
    setQueue(q)
    save('staffQueue', q)
  }

  return (
    <PageShell testId='page-staff' title={t('staff.title')} className='staff'>
      <StaffHero />
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
      {hasSpotRole(staff) && (
        <View className='card card--link' data-testid='spotstaff-entry' onClick={() => Taro.navigateTo({ url: '/pages/spotstaff/index' })}>
          <View className='setting__text'>
            <Text className='setting__label'>{t('spotstaff.title')}</Text>
            <Text className='caption muted'>{t('spotstaff.dashboard.hint')}</Text>
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
        <LoadState load={cases} testId='queue' card={false} isEmpty={(items) => items.length === 0} empty={t('staff.queueEmpty')}>
          {(items) => (
            <View className='list' data-testid='queue-list'>
              {items.map((c) => (
                <CaseRow
                  key={c.id}
                  c={c}
                  testId='queue-case'
                  url='/pages/staff/case'
                  numberFirst
                  name={c.item_label ?? names[c.item_code] ?? t('common.loading')}
                  extra={
                    c.claimed_by !== null && (
                      <Text className='caption block'>{c.claimed_by === staff?.id ? t('staff.claimedByMe') : t('staff.claimedByOther')}</Text>
                    )
                  }
                />
              ))}
            </View>
          )}
        </LoadState>
      </View>
    </PageShell>
  )
}
