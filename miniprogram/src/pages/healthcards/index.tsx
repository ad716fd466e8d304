import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import HealthCardFace from '../../components/HealthCardFace'
import LoadState, { useLoad } from '../../components/LoadState'
import { requireLogin } from '../../components/auth'
import {
  ApiError,
  canActFor,
  issueHealthCard,
  listFamily,
  listHealthCards,
  showError,
  type FamilyMember,
  type HealthCard,
} from '../../api'
import { t as translateNow, useT, type MessageKey } from '../../i18n'
import { formatDateTime } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../office/office.css'
import './healthcards.css'

interface Person {
  /** `self` or `m<member id>` (test ids hc-issue-self, hc-issue-m12) */
  key: string
  memberId: number | null
  label: string
  member?: FamilyMember
}

const memberLabel = (m: FamilyMember) => `${m.name}（${translateNow(`family.relation.${m.relation}` as MessageKey)}）`

/** Explain a refusal of issuing a card; identity_level_required offers the real-name page. */
async function explainIssueRefusal(err: unknown): Promise<void> {
  if (!(err instanceof ApiError) || err.status === 0) {
    showError(err)
    return
  }
  if (err.code === 'identity_level_required') {
    const res = await Taro.showModal({
      title: translateNow('hc.issueRefused'),
      content: err.message,
      confirmText: translateNow('hc.goVerify'),
      cancelText: translateNow('common.cancel'),
    })
    if (res.confirm) Taro.navigateTo({ url: '/pages/profile/index' })
    return
  }
  Taro.showModal({ title: translateNow('hc.issueRefused'), content: err.message, showCancel: false })
}

/** 我的电子健康卡: my card and my family members' cards; issue one for anyone who has none. */
export default function HealthCards() {
  const t = useT()
  // the cards decide the page (a failure says so, with 重试); without the family list only my own shows
  const load = useLoad(
    async () => {
      if (!requireLogin('/pages/healthcards/index')) return new Promise<never>(() => undefined)
      const [cards, family] = await Promise.all([
        listHealthCards({ silent: true }),
        listFamily().catch(() => [] as FamilyMember[]),
      ])
      return { cards, family }
    },
    { when: 'show' },
  )
  const reload = () => load.reload()
  const cards = load.data?.cards ?? null
  const family = load.data?.family ?? []
  const [busy, setBusy] = useState<string | null>(null)

  const people: Person[] = [
    { key: 'self', memberId: null, label: t('hc.self') },
    ...family.filter((m) => m.status !== 'ended').map((m) => ({ key: `m${m.id}`, memberId: Number(m.id), label: memberLabel(m), member: m })),
  ]
  const liveCard = (p: Person) =>
    (cards ?? []).find((c) => (c.family_member_id ?? null) === p.memberId && c.state !== 'revoked')
  // the face names the holder already: beside it, whose card it is (本人, 子女…)
  const whoOf = (c: HealthCard) => {
    const m = family.find((f) => Number(f.id) === c.family_member_id)
    return m ? t(`family.relation.${m.relation}` as MessageKey) : c.family_member_id ? '' : t('hc.self')
  }
  const revoked = (cards ?? []).filter((c) => c.state === 'revoked')
  const open = (c: HealthCard) => Taro.navigateTo({ url: `/pages/healthcards/card?id=${c.id}` })

  async function issue(p: Person) {
    if (busy) return
    setBusy(p.key)
    try {
      const card = await issueHealthCard(p.memberId)
      Taro.showToast({ title: t('hc.issued'), icon: 'success' })
      await reload()
      open(card)
    } catch (err) {
      if (err instanceof ApiError && err.code === 'health_card_exists') await reload()
      await explainIssueRefusal(err)
    } finally {
      setBusy(null)
    }
  }

  return (
    <PageShell testId='page-health-cards' title={t('service.healthcard')}>
      <View className='hc-hero'>
        <Text className='hc-hero__title'>{t('service.healthcard')}</Text>
        <Text className='hc-hero__hint'>{t('hc.hint')}</Text>
      </View>

      <LoadState load={load} testId='health-cards-load'>
        {() => (
          <>
            <View className='card card--overlap' data-testid='hc-people'>
              <Text className='card__title'>{t('hc.people')}</Text>
              {people.map((p) => {
                const card = liveCard(p)
                return (
                  <View key={p.key} className='hc-person' data-testid={`hc-person-${p.key}`} data-has-card={card ? 'true' : 'false'}>
                    <View className='list__main list__main--flush'>
                      <Text className='list__title block'>{p.label}</Text>
                      <Text className='caption muted block'>
                        {card
                          ? `${labelOf(t, card.state, card.state_label, 'hc.state')} · ${card.number}`
                          : p.member && p.member.status !== 'active'
                            ? t('hc.memberPending')
                            : p.member && !canActFor(p.member)
                              ? t('hc.memberUnproven')
                              : t('hc.noCard')}
                      </Text>
                    </View>
                    {card ? (
                      <View className='btn btn--ghost btn--small' data-testid={`hc-open-${p.key}`} onClick={() => open(card)}>
                        {t('hc.show')}
                      </View>
                    ) : (
                      <View
                        className={`btn btn--primary btn--small ${busy === p.key ? 'btn--busy' : ''}`}
                        data-testid={`hc-issue-${p.key}`}
                        onClick={() => issue(p)}
                      >
                        {t('hc.issue')}
                      </View>
                    )}
                  </View>
                )
              })}
            </View>

            <View className='hcards' data-testid='health-cards'>
              {(cards ?? [])
                .filter((c) => c.state !== 'revoked')
                .map((c) => (
                  <HealthCardFace key={c.id} card={c} who={whoOf(c)} onClick={() => open(c)} />
                ))}
            </View>

            {revoked.length > 0 && (
              <View className='card' data-testid='hc-revoked'>
                <Text className='card__title'>{t('hc.revokedCards')}</Text>
                <View className='list'>
                  {revoked.map((c) => (
                    <View key={c.id} className='list__row'>
                      <View className='list__main list__main--flush'>
                        <Text className='list__title block mono'>{c.number}</Text>
                        <Text className='caption muted block'>
                          {c.holder_name} · {formatDateTime(c.issued_at)}
                        </Text>
                      </View>
                      <Text className='chip chip--muted'>{labelOf(t, c.state, c.state_label, 'hc.state')}</Text>
                    </View>
                  ))}
                </View>
              </View>
            )}

            <View className='card'>
              <Text className='caption muted block'>{t('hc.issueHint')}</Text>
            </View>
          </>
        )}
      </LoadState>
    </PageShell>
  )
}
