import Taro, { useDidShow } from '@tarojs/taro'
import { Input, Text, Textarea, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import StaffHero from '../../components/StaffHero'
import ChipSelect from '../../components/ChipSelect'
import Segmented from '../../components/Segmented'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireStaff } from '../../components/staffAuth'
import platform from '../../platform'
import {
  ApiError,
  CARD_PURPOSES,
  listScannerDevices,
  listSites,
  peekCredential,
  registerScannerDevice,
  staffMe,
  staffStore,
  submitScan,
  useStaff,
  type AppointmentPassShown,
  type CardPurpose,
  type CertificateShown,
  type HealthCardShown,
  type ScanResult,
  type StaffAccount,
} from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { useLocale } from '../../store/settings'
import { load, save } from '../../store/storage'
import { formatDateTime } from '../../utils/format'
import { labelOf, serverLabel } from '../../utils/labels'
import '../office/office.css'
import '../appointments/appointments.css'
import './scan.css'

interface Refused {
  code: string
  message: string
}

/** The device chosen on this phone, per staff account. */
const deviceKey = (account: StaffAccount | null) => `scanDevice.${account?.username ?? ''}`

/**
 * 扫码核验: staff scan the codes residents show (health cards, appointment passes, e-certificates)
 * at a registered scanner device. The camera on weapp; on H5 the code's text is pasted. The result is
 * a big green "admitted" panel with what the server shows, or a red "refused" panel with its message.
 * A static health card code asks for the holder's PIN; a health card's purpose is chosen here.
 */
export default function Scan() {
  const t = useT()
  const locale = useLocale()
  const staff = useStaff()
  const [account, setAccount] = useState<StaffAccount | null>(staffStore.get())
  // the registered scanners: a failed load says so with 重试 (it once offered to register one)
  const devices = useLoad(
    async () => {
      if (!requireStaff('/pages/frontline/scan')) return new Promise<never>(() => undefined)
      const me = staffStore.get()
      const list = await listScannerDevices({ silent: true })
      const saved = load<string>(deviceKey(me), '')
      const chosen = list.find((d) => d.code === saved)?.code ?? list[0]?.code ?? ''
      setDevice(chosen)
      if (chosen) save(deviceKey(me), chosen)
      return list
    },
    { when: 'show' },
  )
  const [device, setDevice] = useState<string>('')
  const [siteNames, setSiteNames] = useState<Record<string, string>>({})
  const [regSite, setRegSite] = useState<string | null>(null)
  const [regName, setRegName] = useState('')
  const [code, setCode] = useState('')
  const [purpose, setPurpose] = useState<CardPurpose>('register')
  const [pin, setPin] = useState('')
  const [needsPin, setNeedsPin] = useState(false)
  const [busy, setBusy] = useState(false)
  const [admitted, setAdmitted] = useState<ScanResult | null>(null)
  const [refused, setRefused] = useState<Refused | null>(null)

  useDidShow(() => {
    if (!requireStaff('/pages/frontline/scan')) return
    staffMe()
      .then((me) => setAccount(me))
      .catch(() => undefined)
    listSites()
      .then((sites) => setSiteNames(Object.fromEntries(sites.map((s) => [s.code, s.name]))))
      .catch(() => undefined)
  })

  const scopes = account?.scopes ?? []
  const regSites = scopes.includes('*') ? Object.keys(siteNames) : scopes
  const siteLabel = (c: string) => siteNames[c] ?? c
  const mayScan = (kind: string) => (account?.scan_kinds ? account.scan_kinds.includes(kind) : true)
  const peeked = peekCredential(code)
  const isCard = peeked?.kind === 'health_card'

  function pickDevice(c: string) {
    setDevice(c)
    save(deviceKey(account), c)
  }

  async function register() {
    const site = regSite ?? regSites[0]
    if (busy || !site) return
    const name = regName.trim() || t('scan.defaultDeviceName', { name: account?.display_name ?? '' })
    setBusy(true)
    try {
      const made = await registerScannerDevice(site, name.slice(0, 64))
      devices.update((list) => [...list, made])
      pickDevice(made.code)
      setRegName('')
      Taro.showToast({ title: t('scan.deviceRegistered'), icon: 'success' })
    } catch {
      /* toast shown */
    } finally {
      setBusy(false)
    }
  }

  async function submit(raw: string = code) {
    const value = raw.trim()
    if (busy) return
    if (!value) {
      Taro.showToast({ title: t('scan.codeRequired'), icon: 'none' })
      return
    }
    if (needsPin && !/^\d{6}$/.test(pin)) {
      Taro.showToast({ title: t('scan.pinRequired'), icon: 'none' })
      return
    }
    const card = peekCredential(value)?.kind === 'health_card'
    setBusy(true)
    setAdmitted(null)
    setRefused(null)
    try {
      const done = await submitScan({
        device,
        code: value,
        pin: needsPin ? pin : undefined,
        purpose: card ? purpose : undefined,
      })
      setAdmitted(done)
      setCode('')
      setPin('')
      setNeedsPin(false)
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) {
        if (err.code === 'credential_pin_required') {
          setNeedsPin(true) // ask the holder for the PIN, then send again
        } else if (err.code !== 'credential_pin_invalid') {
          setNeedsPin(false)
          setPin('')
        }
        setRefused({ code: err.code, message: err.message })
      } else Taro.showToast({ title: t('common.networkError'), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  async function camera() {
    try {
      const text = await platform.scanCode()
      setCode(text)
      setAdmitted(null)
      setRefused(null)
      const seen = peekCredential(text)
      setNeedsPin(!!seen?.static)
      // a health card waits for its purpose (and a static one for the PIN); other codes go at once
      if (seen?.kind !== 'health_card') await submit(text)
    } catch {
      /* cancelled */
    }
  }

  function onCodeInput(value: string) {
    setCode(value)
    const seen = peekCredential(value)
    if (seen?.static) setNeedsPin(true)
  }

  const current = devices.data?.find((d) => d.code === device) ?? null

  return (
    <PageShell testId='page-scan' title={t('scan.title')} className='staff'>
      <StaffHero hint={current ? `${siteLabel(current.site)} · ${current.name}` : t('scan.title')} hintTestId='scan-site' back='/pages/frontline/scan' />

      {devices.data === null ? (
        <View className='card card--overlap'>
          <LoadState load={devices} testId='scan-devices' card={false}>
            {() => null}
          </LoadState>
        </View>
      ) : devices.data.length === 0 || !current ? (
        <View className='card card--overlap' data-testid='scan-register'>
          <Text className='card__title'>{t('scan.registerTitle')}</Text>
          <Text className='caption muted block'>{t('scan.registerHint')}</Text>
          {regSites.length === 0 ? (
            <Text className='body muted block' data-testid='scan-no-site'>{t('scan.noSite')}</Text>
          ) : (
            <>
              <Text className='field__label'>{t('scan.site')}</Text>
              <ChipSelect
                testIdPrefix='scan-reg-site'
                value={regSite ?? regSites[0]}
                onChange={setRegSite}
                options={regSites.map((s) => ({ value: s, label: siteLabel(s) }))}
              />
              <Text className='field__label'>{t('scan.deviceName')}</Text>
              <View className='field'>
                <Input
                  className='field__input'
                  data-testid='scan-reg-name'
                  value={regName}
                  maxlength={64}
                  placeholder={t('scan.deviceName.placeholder')}
                  onInput={(e) => setRegName(e.detail.value)}
                />
              </View>
              <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='scan-reg-submit' onClick={register}>
                {t('scan.register')}
              </View>
            </>
          )}
        </View>
      ) : (
        <>
          <View className='card card--overlap' data-testid='scan-desk' data-device={device}>
            {devices.data.length > 1 && (
              <Segmented
                testIdPrefix='scan-device'
                value={device}
                onChange={pickDevice}
                options={devices.data.map((d) => ({ value: d.code, label: `${siteLabel(d.site)} · ${d.name}` }))}
              />
            )}
            <Text className='caption muted block' data-testid='scan-device-code'>
              {t('scan.device', { code: current.code })}
            </Text>

            {mayScan('health_card') && (
              <>
                <Text className='field__label'>{t('scan.purpose')}</Text>
                <ChipSelect
                  testIdPrefix='scan-purpose'
                  value={purpose}
                  onChange={setPurpose}
                  options={CARD_PURPOSES.map((p) => ({ value: p, label: t(`hc.purpose.${p}` as MessageKey) }))}
                />
              </>
            )}

            {platform.canScanCode && (
              <View className='btn btn--primary btn--block' data-testid='scan-camera' onClick={camera}>
                {t('scan.camera')}
              </View>
            )}
            <Text className='field__label'>{t('scan.code')}</Text>
            <View className='field scan__field'>
              <Textarea
                className='field__input scan__input'
                data-testid='scan-input'
                value={code}
                maxlength={400}
                placeholder={t('scan.codePlaceholder')}
                onInput={(e) => onCodeInput(e.detail.value)}
              />
            </View>
            {peeked && (
              <Text className='caption block' data-testid='scan-peek' data-kind={peeked.kind}>
                {t('scan.read', { kind: t(`scan.kind.${peeked.kind}` as MessageKey) })}
                {peeked.static ? ` · ${t('scan.static')}` : ''}
                {isCard ? ` · ${t(`hc.purpose.${purpose}` as MessageKey)}` : ''}
              </Text>
            )}
            {needsPin && (
              <>
                <Text className='field__label'>{t('scan.pin')}</Text>
                <View className='field'>
                  <Input
                    className='field__input'
                    data-testid='scan-pin'
                    type='number'
                    password
                    maxlength={6}
                    value={pin}
                    placeholder={t('scan.pinPlaceholder')}
                    onInput={(e) => setPin(e.detail.value)}
                    onConfirm={() => submit()}
                  />
                </View>
              </>
            )}
            <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='scan-submit' onClick={() => submit()}>
              {t('scan.submit')}
            </View>
          </View>

          {admitted && <Admitted result={admitted} locale={locale} />}
          {refused && (
            <View className='scan-result scan-result--refused' data-testid='scan-refused' data-code={refused.code}>
              <Text className='scan-result__mark'>✕</Text>
              <Text className='scan-result__title block'>{t('scan.refused')}</Text>
              <Text className='scan-result__message block' data-testid='scan-refused-message'>{refused.message}</Text>
              {refused.code === 'credential_pin_required' && <Text className='caption block'>{t('scan.pinAsk')}</Text>}
            </View>
          )}
        </>
      )}

      {staff && (
        <View className='card card--link' data-testid='scan-frontline' onClick={() => Taro.navigateTo({ url: '/pages/frontline/index' })}>
          <View className='setting__text'>
            <Text className='setting__label'>{t('front.title')}</Text>
          </View>
          <Text className='list__arrow'>›</Text>
        </View>
      )}
    </PageShell>
  )
}

/** The green panel: what the server shows for the code's kind. */
function Admitted({ result, locale }: { result: ScanResult; locale: string }) {
  const t = useT()
  const s = result.shown
  let facts: JSX.Element
  if (result.kind === 'health_card') {
    const h = s as unknown as HealthCardShown
    facts = (
      <>
        <KV k={t('scan.holder')} testId='scan-shown-holder'>{h.holder}</KV>
        <KV k={t('scan.idNumber')}>{h.id_number}</KV>
        <KV k={t('scan.cardNumber')} testId='scan-shown-card'>{h.card_number}</KV>
        <KV k={t('scan.cardState')}>{labelOf(t, h.state, serverLabel(h, 'state'), 'hc.state')}</KV>
        <KV k={t('scan.purpose')} testId='scan-shown-purpose'>{labelOf(t, h.purpose, serverLabel(h, 'purpose'), 'hc.purpose')}</KV>
        <KV k={t('scan.allowed')}>{(h.allowed_actions ?? []).map((a) => labelOf(t, a, null, 'hc.purpose')).join(' / ')}</KV>
      </>
    )
  } else if (result.kind === 'appointment_pass') {
    const a = s as unknown as AppointmentPassShown
    const service = a.service ? (a.service as Record<string, string>)[locale] ?? a.service.zh_Hans : ''
    facts = (
      <>
        <View className='scan-result__ticket'>
          <Text className='caption block'>{t('scan.ticket')}</Text>
          <Text className='queue-number__label' data-testid='scan-shown-ticket'>{a.ticket}</Text>
        </View>
        <KV k={t('scan.who')}>{a.who}</KV>
        <KV k={t('scan.service')}>{service}</KV>
        <KV k={t('scan.startsAt')}>{formatDateTime(a.starts_at)}</KV>
        <KV k={t('scan.appointmentNumber')}>{a.appointment_number}</KV>
      </>
    )
  } else if (result.kind === 'certificate') {
    const c = s as unknown as CertificateShown
    facts = (
      <>
        <KV k={t('wallet.number')} testId='scan-shown-number'>{c.number}</KV>
        <KV k={t('wallet.type')}>{c.type}</KV>
        <KV k={t('wallet.holder')}>{c.holder}</KV>
        <KV k={t('scan.validity')}>{labelOf(t, c.validity, serverLabel(c, 'validity'), 'validity')}</KV>
        <KV k={t('wallet.validity')}>{t('wallet.range', { from: c.valid_from, until: c.valid_until })}</KV>
        <KV k={t('wallet.issuer')}>{c.issuer}</KV>
        {Object.entries(c.data ?? {}).map(([k, v]) => (
          <KV key={k} k={k}>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</KV>
        ))}
      </>
    )
  } else {
    facts = (
      <>
        {Object.entries(s).map(([k, v]) => (
          <KV key={k} k={k}>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</KV>
        ))}
      </>
    )
  }
  return (
    <View className='scan-result scan-result--admitted' data-testid='scan-admitted' data-kind={result.kind} data-scan-id={result.id}>
      <Text className='scan-result__mark'>✓</Text>
      <Text className='scan-result__title block'>{t('scan.admitted')}</Text>
      <Text className='scan-result__kind block' data-testid='scan-kind'>{result.kind_name}</Text>
      <View className='scan-result__facts kv'>{facts}</View>
      <Text className='caption block scan-result__time'>{formatDateTime(result.scanned_at)}</Text>
    </View>
  )
}
