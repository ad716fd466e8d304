import Taro, { useRouter } from '@tarojs/taro'
import { Input, Picker, Text, Textarea, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { requireStaff } from '../../components/staffAuth'
import { ApiError, showError, useStaff } from '../../api'
import {
  publishAdvisory,
  setSpotLimits,
  spotAdvisories,
  spotSettings,
  withdrawAdvisory,
  type LimitsInput,
  type ManagedAdvisory,
  type SpotSettings,
} from '../../api/spotadmin'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { addDays, chinaToday } from '../../utils/format'
import '../office/office.css'
import './spotstaff.css'

const LIMITS = ['daily_max', 'instant_max', 'policy_percent', 'walk_in_percent'] as const
type LimitField = (typeof LIMITS)[number]
const EMPTY_NOTICE = { titleHans: '', textHans: '', titleHant: '', textHant: '', titleEn: '', textEn: '' }
const DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * 景区管理 (the spot's manager; notices also the city's tourism bureau): the notices residents see on
 * the spot's page (publish in 简体 with 繁體 and English optional, for some days; withdraw), and the
 * spot's limits (daily and instantaneous maximum, policy cap, walk-in share). A lower limit never
 * cancels a ticket: below what is already sold the server refuses it, and says which day.
 */
export default function SpotManage() {
  const t = useT()
  const locale = useLocale()
  const spot = decodeURIComponent(useRouter().params.spot ?? '')
  const self = `/pages/spotstaff/manage?spot=${encodeURIComponent(spot)}`
  const notices = useLoad(() => (requireStaff(self) ? spotAdvisories(spot, { silent: true }) : new Promise<never>(() => undefined)), { when: 'show', deps: [locale] })
  const settings = useLoad(() => (requireStaff(self) ? spotSettings(spot, { silent: true }) : new Promise<never>(() => undefined)), { when: 'show', deps: [locale] })
  // a case officer of the spot publishes notices too; the limits are its manager's only
  const staff = useStaff()
  const isManager = !!staff && staff.roles.includes('spot_manager')
  const [sheet, ask] = useConfirm()
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState(EMPTY_NOTICE)
  const [first, setFirst] = useState(chinaToday())
  const [last, setLast] = useState(addDays(chinaToday(), 6))
  const [limits, setLimits] = useState<Record<LimitField, string>>({ daily_max: '', instant_max: '', policy_percent: '', walk_in_percent: '' })
  const [refused, setRefused] = useState('')

  useEffect(() => {
    const s = settings.data
    if (s) setLimits({ daily_max: String(s.daily_max), instant_max: String(s.instant_max), policy_percent: String(s.policy_percent), walk_in_percent: String(s.walk_in_percent) })
  }, [settings.data])

  async function publish() {
    if (busy) return
    if (!notice.titleHans.trim() || !notice.textHans.trim()) {
      Taro.showToast({ title: t('spotstaff.noticeRequired'), icon: 'none' })
      return
    }
    if (!DATE.test(first) || !DATE.test(last) || last < first) {
      Taro.showToast({ title: t('spotstaff.noticeDays'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      const made = await publishAdvisory(spot, {
        title: { zh_Hans: notice.titleHans.trim(), zh_Hant: notice.titleHant.trim(), en: notice.titleEn.trim() },
        text: { zh_Hans: notice.textHans.trim(), zh_Hant: notice.textHant.trim(), en: notice.textEn.trim() },
        first_day: first,
        last_day: last,
      })
      notices.update((items) => [made, ...items])
      setNotice(EMPTY_NOTICE)
      Taro.showToast({ title: t('spotstaff.noticePublished'), icon: 'success' })
    } catch (err) {
      if (!(err instanceof ApiError)) showError(err)
    } finally {
      setBusy(false)
    }
  }

  async function withdraw(a: ManagedAdvisory) {
    if (busy) return
    const ok = await ask({ title: t('spotstaff.noticeWithdrawConfirm'), body: a.title.zh_Hans, danger: true, testId: 'notice-withdraw' })
    if (!ok) return
    setBusy(true)
    try {
      const gone = await withdrawAdvisory(spot, a.id)
      notices.update((items) => items.map((x) => (x.id === gone.id ? gone : x)))
    } catch (err) {
      if (!(err instanceof ApiError)) showError(err)
    } finally {
      setBusy(false)
    }
  }

  async function save(s: SpotSettings) {
    if (busy) return
    const change: LimitsInput = {}
    for (const field of LIMITS) {
      const value = Number(limits[field])
      if (!limits[field].trim() || !Number.isInteger(value)) {
        Taro.showToast({ title: t('spotstaff.limitsWhole'), icon: 'none' })
        return
      }
      if (value !== s[field]) change[field] = value
    }
    if (Object.keys(change).length === 0) {
      Taro.showToast({ title: t('spotstaff.limitsUnchanged'), icon: 'none' })
      return
    }
    const ok = await ask({ title: t('spotstaff.limitsConfirm'), body: t('spotstaff.limitsConfirmBody'), testId: 'limits-save' })
    if (!ok) return
    setBusy(true)
    setRefused('')
    try {
      const changed = await setSpotLimits(spot, change, { silent: true })
      settings.update(() => changed)
      Taro.showToast({ title: t('spotstaff.limitsSaved'), icon: 'success' })
    } catch (err) {
      if (err instanceof ApiError) {
        const d = err.details as { day?: string; sold?: number; capacity?: number } | undefined
        setRefused(err.code === 'spot_capacity_below_sold' && d?.day ? t('spotstaff.limitsBelowSold', { day: d.day, sold: d.sold ?? 0, capacity: d.capacity ?? 0 }) : err.message)
      } else showError(err)
    } finally {
      setBusy(false)
    }
  }

  const field = (key: keyof typeof EMPTY_NOTICE, label: string, area = false) => (
    <>
      <Text className='field__label'>{label}</Text>
      <View className={`field ${area ? 'field--area' : ''}`}>
        {area ? (
          <Textarea className='field__textarea' data-testid={`notice-${key}`} value={notice[key]} maxlength={2000} onInput={(e) => setNotice({ ...notice, [key]: e.detail.value })} />
        ) : (
          <Input className='field__input' data-testid={`notice-${key}`} value={notice[key]} maxlength={120} onInput={(e) => setNotice({ ...notice, [key]: e.detail.value })} />
        )}
      </View>
    </>
  )

  return (
    <PageShell testId='page-spotstaff-manage' title={t('spotstaff.manage')}>
      {sheet}
      <StaffHero back={self} />
      <View className='card card--overlap' data-testid='notice-form'>
        <Text className='card__title'>{t('spotstaff.noticeNew')}</Text>
        {field('titleHans', t('spotstaff.noticeTitle.zh_Hans'))}
        {field('textHans', t('spotstaff.noticeText.zh_Hans'), true)}
        {field('titleHant', t('spotstaff.noticeTitle.zh_Hant'))}
        {field('textHant', t('spotstaff.noticeText.zh_Hant'), true)}
        {field('titleEn', t('spotstaff.noticeTitle.en'))}
        {field('textEn', t('spotstaff.noticeText.en'), true)}
        <Text className='caption muted block'>{t('spotstaff.noticeOptional')}</Text>
        <Text className='field__label'>{t('spotstaff.noticeFirst')}</Text>
        <Picker mode='date' value={first} start={chinaToday()} end={addDays(chinaToday(), 365)} onChange={(e) => setFirst(String(e.detail.value))}>
          <View className='field field--short' data-testid='notice-first'>
            <Text className='field__text'>{first}</Text>
          </View>
        </Picker>
        <Text className='field__label'>{t('spotstaff.noticeLast')}</Text>
        <Picker mode='date' value={last} start={first} end={addDays(chinaToday(), 365)} onChange={(e) => setLast(String(e.detail.value))}>
          <View className='field field--short' data-testid='notice-last'>
            <Text className='field__text'>{last}</Text>
          </View>
        </Picker>
        <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='notice-publish' onClick={publish}>
          {t('spotstaff.noticePublish')}
        </View>
      </View>

      <LoadState load={notices} testId='notices' isEmpty={(items) => items.length === 0} empty={t('spotstaff.noNotices')}>
        {(items) => (
          <View className='card' data-testid='notice-list'>
            <Text className='card__title'>{t('spotstaff.notices')}</Text>
            {items.map((a) => (
              <View key={a.id} className='list__item' data-testid='notice' data-id={a.id} data-state={a.state}>
                <View className='card__head card__head--top'>
                  <Text className='list__title' data-user-text>{a.title.zh_Hans}</Text>
                  <Text className={`chip ${a.state === 'shown' ? 'chip--info' : ''}`}>{t(`spotstaff.noticeState.${a.state}`)}</Text>
                </View>
                <Text className='body block' data-user-text>{a.text.zh_Hans}</Text>
                <Text className='caption muted block'>{`${a.first_day} – ${a.last_day}`}</Text>
                {(a.state === 'shown' || a.state === 'scheduled') && (
                  <View className='tour-actions'>
                    <View className={`btn btn--small btn--danger-ghost ${busy ? 'btn--busy' : ''}`} data-testid='notice-withdraw' onClick={() => withdraw(a)}>
                      {t('spotstaff.noticeWithdraw')}
                    </View>
                  </View>
                )}
              </View>
            ))}
          </View>
        )}
      </LoadState>

      {isManager && (
        <LoadState load={settings} testId='limits'>
          {(s) => (
            <View className='card' data-testid='limits-form'>
              <Text className='card__title'>{t('spotstaff.limits')}</Text>
              <View className='kv'>
                <KV k={t('spotstaff.capacity')} testId='limits-day'>{t('spotstaff.limitsDay', { capacity: s.day_capacity, walk_in: s.walk_in })}</KV>
                <KV k={t('tourism.inside')} testId='limits-instant'>{String(s.instant_limit)}</KV>
              </View>
              {LIMITS.map((key) => (
                <View key={key}>
                  <Text className='field__label'>{t(`spotstaff.limit.${key}`)}</Text>
                  <View className='field field--short'>
                    <Input className='field__input' type='number' data-testid={`limit-${key}`} value={limits[key]} maxlength={7} onInput={(e) => setLimits({ ...limits, [key]: e.detail.value })} />
                  </View>
                </View>
              ))}
              <Text className='caption muted block'>{t('spotstaff.limitsHint')}</Text>
              {refused && (
                <Text className='body block bad-text' data-testid='limits-refused'>
                  {refused}
                </Text>
              )}
              <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='limits-submit' onClick={() => save(s)}>
                {t('spotstaff.limitsSave')}
              </View>
            </View>
          )}
        </LoadState>
      )}
    </PageShell>
  )
}
