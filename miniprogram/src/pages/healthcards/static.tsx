import Taro, { useRouter } from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import CredentialQr from '../../components/CredentialQr'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireLogin } from '../../components/auth'
import { ApiError, getHealthCard, setHealthCardPin, showError, type HealthCard } from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'
import './healthcards.css'

/**
 * The health card's static code (printable; never rotates): the hospital scans it with the
 * holder's 6-digit PIN. Without a PIN the page asks for one first; the PIN can be changed.
 */
export default function StaticCode() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const card = useLoad(
    () => (requireLogin(`/pages/healthcards/static?id=${id}`) ? getHealthCard(id, { silent: true }) : new Promise<never>(() => undefined)),
    { when: 'show' },
  )
  const [editing, setEditing] = useState(false)
  const [pin, setPin] = useState('')
  const [again, setAgain] = useState('')
  const [refusal, setRefusal] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit() {
    if (busy) return
    if (!/^\d{6}$/.test(pin)) {
      setRefusal(t('hc.pinFormat'))
      return
    }
    if (pin !== again) {
      setRefusal(t('hc.pinMismatch'))
      return
    }
    setBusy(true)
    setRefusal(null)
    try {
      await setHealthCardPin(id, pin)
      Taro.showToast({ title: t('hc.pinSaved'), icon: 'success' })
      setPin('')
      setAgain('')
      setEditing(false)
      await card.reload()
    } catch (err) {
      if (err instanceof ApiError && err.status > 0) setRefusal(err.message)
      else showError(err)
    } finally {
      setBusy(false)
    }
  }

  function onRefused(err: ApiError): boolean {
    if (err.code === 'credential_pin_not_set') {
      setEditing(true)
      return true
    }
    return false
  }

  return (
    <PageShell testId='page-health-card-static' title={t('hc.staticCode')}>
      <LoadState load={card} testId='hc-static'>
        {(found) => (editing || !found.pin_set ? pinForm(found) : staticCode(found))}
      </LoadState>
    </PageShell>
  )

  function pinForm(card: HealthCard) {
    return (
      <View className='card hc-pin' data-testid='hc-pin-form'>
        <Text className='card__title'>{card.pin_set ? t('hc.pinChange') : t('hc.pinSet')}</Text>
        <Text className='caption muted block'>{t('hc.pinHint')}</Text>
        <Text className='field__label'>{t('hc.pin')}</Text>
        <View className='field'>
          <Input
            className='field__input'
            data-testid='hc-pin'
            type='number'
            password
            maxlength={6}
            value={pin}
            placeholder={t('hc.pinPlaceholder')}
            onInput={(e) => setPin(e.detail.value)}
          />
        </View>
        <Text className='field__label'>{t('hc.pinAgain')}</Text>
        <View className='field'>
          <Input
            className='field__input'
            data-testid='hc-pin-again'
            type='number'
            password
            maxlength={6}
            value={again}
            placeholder={t('hc.pinPlaceholder')}
            onInput={(e) => setAgain(e.detail.value)}
            onConfirm={submit}
          />
        </View>
        {refusal && (
          <View className='card--warn timeline__reasons' data-testid='hc-pin-refused'>
            <Text className='body block'>{refusal}</Text>
          </View>
        )}
        <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='hc-pin-submit' onClick={submit}>
          {t('common.save')}
        </View>
        {card.pin_set && (
          <View className='btn btn--ghost btn--block' data-testid='hc-pin-cancel' onClick={() => setEditing(false)}>
            {t('common.cancel')}
          </View>
        )}
      </View>
    )
  }

  function staticCode(card: HealthCard) {
    return (
      <View className='card' data-testid='hc-static-card'>
        <Text className='card__title'>{t('hc.staticCode')}</Text>
        <CredentialQr kind='health_card' id={card.id} static testId='hc-static-qr' onRefused={onRefused} />
        <Text className='caption muted block center'>{t('hc.staticWarning')}</Text>
        <View className='btn btn--ghost btn--block' data-testid='hc-pin-edit' onClick={() => setEditing(true)}>
          {t('hc.pinChange')}
        </View>
      </View>
    )
  }
}
