import Taro from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import Segmented from '../../components/Segmented'
import AppointmentRow from '../../components/AppointmentRow'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireStaff } from '../../components/staffAuth'
import { chooseSite, chosenSite, frontlineSites } from '../../components/frontline'
import platform from '../../platform'
import {
  ApiError,
  checkIn,
  getSite,
  listSites,
  siteDay,
  useStaff,
  walkIn,
  type Appointment,
  type SiteDetail,
  type Ticket,
} from '../../api'
import { useT } from '../../i18n'
import { chinaParts } from '../../utils/format'
import '../office/office.css'
import '../appointments/appointments.css'

interface CheckInResult {
  ticket?: Ticket
  appointment?: Appointment
  refused?: { code: string; message: string; window?: string }
}

/**
 * The frontline desk at a site (role scanner): check residents in by the code they show (typed, or
 * scanned on weapp), give walk-in numbers, open the calling panel of a business type, and the
 * site's appointments of the day.
 */
export default function Frontline() {
  const t = useT()
  const staff = useStaff()
  const [site, setSite] = useState<string | null>(null)
  const [detail, setDetail] = useState<SiteDetail | null>(null)
  // the site's day: loading, failed with 重试 (it once read as "none today") or the bookings
  const day = useLoad(() => siteDay(site ?? '', undefined, { silent: true }), { when: 'show', deps: [site], skip: !site })
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<CheckInResult | null>(null)
  const [walkInTicket, setWalkInTicket] = useState<Ticket | null>(null)

  async function open(code: string) {
    setSite(code)
    chooseSite(code)
    getSite(code).then(setDetail).catch(() => undefined)
  }

  // the officer's sites: loading and a failure (with 重试) are not "no site" (it once said so while loading)
  const siteList = useLoad(
    async () => (requireStaff('/pages/frontline/index') ? frontlineSites(await listSites(undefined, { silent: true })) : new Promise<never>(() => undefined)),
    { when: 'show' },
  )
  const sites = siteList.data ?? []
  useEffect(() => {
    if (!siteList.data) return
    const chosen = site ?? chosenSite(siteList.data)
    if (chosen) open(chosen)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [siteList.data])

  async function submit(raw: string = code) {
    const value = raw.trim().toUpperCase()
    if (busy) return
    if (!value) {
      Taro.showToast({ title: t('front.codeRequired'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      const done = await checkIn(value)
      setResult({ ticket: done.ticket, appointment: done.appointment })
      setCode('')
      if (site) day.reload()
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) {
        const d = (err.details ?? {}) as { opens_at?: string; closes_at?: string }
        const window = d.opens_at && d.closes_at ? `${chinaParts(d.opens_at).time}–${chinaParts(d.closes_at).time}` : undefined
        setResult({ refused: { code: err.code, message: err.message, window } })
      } else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  async function scan() {
    try {
      const text = await platform.scanCode()
      setCode(text)
      await submit(text)
    } catch {
      /* cancelled */
    }
  }

  async function giveNumber(serviceId: number) {
    try {
      setWalkInTicket(await walkIn(serviceId))
    } catch {
      /* toast shown */
    }
  }


  const types = [...new Map((detail?.services ?? []).map((s) => [s.business_type, s])).values()]
  const serviceName = (id: number) => detail?.services.find((s) => s.id === id)?.name ?? ''

  return (
    <PageShell testId='page-frontline' title={t('front.title')} className='staff'>
      <StaffHero hint={detail?.name ?? t('front.title')} hintTestId='frontline-site' back='/pages/frontline/index' />

      {sites.length > 1 && (
        <View className='card card--overlap'>
          <Segmented testIdPrefix='frontline-site' value={site ?? ''} onChange={open} options={sites.map((s) => ({ value: s.code, label: s.name }))} />
        </View>
      )}
      {sites.length === 0 && (
        <View className='card card--overlap'>
          <LoadState load={siteList} testId='frontline-sites' card={false}>
            {() => <Text className='body muted' data-testid='frontline-no-site'>{t('front.noSite')}</Text>}
          </LoadState>
        </View>
      )}

      <View
        className={`card card--link ${sites.length > 1 || !site ? '' : 'card--overlap'}`}
        data-testid='scan-entry'
        onClick={() => Taro.navigateTo({ url: '/pages/frontline/scan' })}
      >
        <View className='setting__text'>
          <Text className='setting__label'>{t('scan.title')}</Text>
          <Text className='caption muted'>{t('scan.entryHint')}</Text>
        </View>
        <Text className='list__arrow'>›</Text>
      </View>

      <View className='card card--link' data-testid='slots-entry' onClick={() => Taro.navigateTo({ url: '/pages/frontline/slots' })}>
        <View className='setting__text'>
          <Text className='setting__label'>{t('fslot.title')}</Text>
          <Text className='caption muted'>{t('fslot.entryHint')}</Text>
        </View>
        <Text className='list__arrow'>›</Text>
      </View>

      {site && (
        <View className='card' data-testid='checkin-desk'>
          <Text className='card__title'>{t('front.checkin')}</Text>
          <View className='field field--code'>
            <Input
              className='field__input'
              data-testid='checkin-input'
              value={code}
              maxlength={12}
              placeholder={t('front.codePlaceholder')}
              onInput={(e) => setCode(e.detail.value)}
              onConfirm={() => submit()}
            />
          </View>
          <View className='row-gap'>
            <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='checkin-submit' onClick={() => submit()}>
              {t('front.checkinSubmit')}
            </View>
          </View>
          {platform.canScanCode && (
            <View className='btn btn--ghost btn--block' data-testid='checkin-scan' onClick={scan}>
              {t('front.scan')}
            </View>
          )}
          {result?.ticket && (
            <View className='queue-number' data-testid='checkin-result' data-label={result.ticket.label}>
              <Text className='caption muted block'>{t('front.checkedIn')}</Text>
              <Text className='queue-number__label' data-testid='checkin-ticket'>{result.ticket.label}</Text>
              <Text className='body block'>
                {result.appointment?.service_name} · {result.appointment ? chinaParts(result.appointment.starts_at).time : ''}
              </Text>
            </View>
          )}
          {result?.refused && (
            <View className='card--warn timeline__reasons' data-testid='checkin-refused' data-code={result.refused.code}>
              <Text className='body block'>{result.refused.message}</Text>
              {result.refused.window && <Text className='caption block'>{t('front.checkinWindow', { window: result.refused.window })}</Text>}
            </View>
          )}
        </View>
      )}

      {site && types.length > 0 && (
        <View className='card' data-testid='calling-links'>
          <Text className='card__title'>{t('front.calling')}</Text>
          <View className='list'>
            {types.map((s) => (
              <View
                key={s.business_type}
                className='list__row list__row--tap'
                data-testid={`calling-${s.business_type}`}
                onClick={() => Taro.navigateTo({ url: `/pages/frontline/calling?site=${encodeURIComponent(site)}&type=${encodeURIComponent(s.business_type)}` })}
              >
                <View className='site__icon'>
                  <Text>{s.business_type}</Text>
                </View>
                <View className='list__main'>
                  <Text className='list__title block'>{detail?.kind === 'hospital' ? `${s.department ?? ''} ${s.name}` : s.name}</Text>
                  <Text className='caption muted block'>{t('appt.queueType', { type: s.business_type })}</Text>
                </View>
                <Text className='list__arrow'>›</Text>
              </View>
            ))}
          </View>
        </View>
      )}

      {site && detail && (
        <View className='card' data-testid='walk-ins'>
          <Text className='card__title'>{t('front.walkIn')}</Text>
          <Text className='caption muted block'>{t('front.walkInHint')}</Text>
          <View className='chips'>
            {detail.services.map((s) => (
              <View key={s.id} className='chips__item' data-testid={`walkin-${s.code}`} onClick={() => giveNumber(s.id)}>
                {s.name}
              </View>
            ))}
          </View>
          {walkInTicket && (
            <View className='queue-number' data-testid='walkin-result' data-label={walkInTicket.label}>
              <Text className='queue-number__label'>{walkInTicket.label}</Text>
              <Text className='caption muted block'>{t('front.walkInGiven')}</Text>
            </View>
          )}
        </View>
      )}

      {site && (
        <View className='card' data-testid='site-day'>
          <View className='card__head'>
            <Text className='card__title'>{t('front.today')}</Text>
            <Text className='link' data-testid='site-day-refresh' onClick={() => day.reload()}>
              {t('front.refresh')}
            </Text>
          </View>
          <LoadState load={day} testId='site-day' card={false} isEmpty={(list) => list.length === 0} empty={t('front.noneToday')}>
            {(list) => (
              <View className='list'>
                {list.map((a) => (
                  <AppointmentRow
                    key={a.id}
                    a={a}
                    testId='site-appointment'
                    extra={`${a.number}${a.queue ? ` · ${a.queue.label}` : ''} · ${serviceName(a.service_id) || a.service_name}`}
                  />
                ))}
              </View>
            )}
          </LoadState>
        </View>
      )}
      {staff && staff.roles.some((r) => r !== 'scanner') && (
        <View className='card card--link' data-testid='frontline-back-office' onClick={() => Taro.navigateTo({ url: '/pages/staff/index' })}>
          <View className='setting__text'>
            <Text className='setting__label'>{t('staff.title')}</Text>
          </View>
          <Text className='list__arrow'>›</Text>
        </View>
      )}
    </PageShell>
  )
}
