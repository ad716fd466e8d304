import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import HealthCardFace from '../../components/HealthCardFace'
import CredentialQr from '../../components/CredentialQr'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireLogin } from '../../components/auth'
import { useConfirm, type ConfirmOptions } from '../../components/ConfirmSheet'
import {
  cancelHealthCard,
  freezeHealthCard,
  getHealthCard,
  unfreezeHealthCard,
  type ApiError,
  type HealthCard,
} from '../../api'
import { useT } from '../../i18n'
import '../office/office.css'
import './healthcards.css'

/**
 * One health card: the dynamic QR code with its countdown (a new code when it runs out), or the
 * frozen state with an unfreeze button; the static code, freeze, the usage log and 注销.
 */
export default function HealthCardPage() {
  const t = useT()
  const id = Number(useRouter().params.id)
  const load = useLoad(
    () => (requireLogin(`/pages/healthcards/card?id=${id}`) ? getHealthCard(id, { silent: true }) : new Promise<never>(() => undefined)),
    { when: 'show' },
  )
  const setCard = (changed: HealthCard) => load.update(() => changed)
  const reload = () => load.reload()
  const [busy, setBusy] = useState(false)
  const [sheet, ask] = useConfirm()

  /** The code was refused because the card is frozen (or gone) since the page loaded: show the state. */
  function onRefused(err: ApiError): boolean {
    if (err.code === 'credential_frozen' || err.code === 'credential_revoked') {
      reload()
      return true
    }
    return false
  }

  async function act(run: () => Promise<HealthCard>, confirm?: ConfirmOptions, done?: string) {
    if (busy) return
    if (confirm && !(await ask({ cancelText: t('common.notNow'), danger: true, ...confirm }))) return
    setBusy(true)
    try {
      setCard(await run())
      if (done) Taro.showToast({ title: done, icon: 'success' })
    } catch {
      /* toast shown */
    } finally {
      setBusy(false)
    }
  }

  const freeze = () =>
    act(() => freezeHealthCard(id), { title: t('hc.freeze'), body: t('hc.freezeConfirm'), confirmText: t('hc.freeze'), testId: 'hc-freeze-confirm' }, t('hc.frozen'))
  const unfreeze = () => act(() => unfreezeHealthCard(id), undefined, t('hc.unfrozen'))
  const cancel = () =>
    act(() => cancelHealthCard(id), { title: t('hc.cancel'), body: t('hc.cancelConfirm'), confirmText: t('hc.cancel'), testId: 'hc-cancel-confirm' }, t('hc.cancelled'))

  return (
    <PageShell testId='page-health-card' title={t('service.healthcard')}>
      {sheet}
      <LoadState load={load} testId='health-card'>
        {(card) => (
          <>
            <View className='hcards'>
              <HealthCardFace card={card} />
            </View>

            {card.state === 'active' && (
              <View className='card' data-testid='hc-code-card'>
                <Text className='card__title'>{t('hc.dynamicCode')}</Text>
                <CredentialQr kind='health_card' id={card.id} testId='hc-qr' onRefused={onRefused} />
                <Text className='caption muted block center'>{t('hc.dynamicHint')}</Text>
              </View>
            )}

            {card.state === 'frozen' && (
              <View className='card hc-frozen' data-testid='hc-frozen'>
                <Text className='hc-frozen__icon'>❄</Text>
                <Text className='body block'>{t('hc.frozenHint')}</Text>
                <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='hc-unfreeze' onClick={unfreeze}>
                  {t('hc.unfreeze')}
                </View>
              </View>
            )}

            {card.state === 'revoked' && (
              <View className='card hc-frozen' data-testid='hc-revoked-note'>
                <Text className='body block'>{t('hc.revokedHint')}</Text>
                <View className='btn btn--ghost btn--block' data-testid='hc-back-list' onClick={() => Taro.redirectTo({ url: '/pages/healthcards/index' })}>
                  {t('hc.backToList')}
                </View>
              </View>
            )}

            <View className='card hc-actions'>
              <View className='list'>
                {card.state === 'active' && (
                  <View className='list__row list__row--tap' data-testid='hc-static' onClick={() => Taro.navigateTo({ url: `/pages/healthcards/static?id=${card.id}` })}>
                    <View className='list__main list__main--flush'>
                      <Text className='list__title block'>{t('hc.staticCode')}</Text>
                      <Text className='caption muted block'>{card.pin_set ? t('hc.staticHint') : t('hc.staticNeedsPin')}</Text>
                    </View>
                    <Text className='list__arrow'>›</Text>
                  </View>
                )}
                <View className='list__row list__row--tap' data-testid='hc-uses' onClick={() => Taro.navigateTo({ url: `/pages/healthcards/uses?id=${card.id}` })}>
                  <View className='list__main list__main--flush'>
                    <Text className='list__title block'>{t('hc.uses')}</Text>
                    <Text className='caption muted block'>{t('hc.usesHint')}</Text>
                  </View>
                  <Text className='list__arrow'>›</Text>
                </View>
                {card.state === 'active' && (
                  <View className='list__row list__row--tap' data-testid='hc-freeze' onClick={freeze}>
                    <View className='list__main list__main--flush'>
                      <Text className='list__title block'>{t('hc.freeze')}</Text>
                      <Text className='caption muted block'>{t('hc.freezeHint')}</Text>
                    </View>
                    <Text className='list__arrow'>›</Text>
                  </View>
                )}
              </View>
            </View>

            {card.state !== 'revoked' && (
              <View className={`btn btn--danger-ghost btn--block case-withdraw ${busy ? 'btn--busy' : ''}`} data-testid='hc-cancel' onClick={cancel}>
                {t('hc.cancel')}
              </View>
            )}
          </>
        )}
      </LoadState>
    </PageShell>
  )
}
