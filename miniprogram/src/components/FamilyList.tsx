import { Text, View } from '@tarojs/components'
import type { FamilyMember } from '../api'
import { useT, type MessageKey } from '../i18n'

interface Props {
  items: FamilyMember[]
  onRemove?: (m: FamilyMember) => void
  /** a child whose guardianship is not proven: ask the population register again */
  onCheck?: (m: FamilyMember) => void
  /** ... or send the child's birth certificate for staff to check */
  onUpload?: (m: FamilyMember) => void
}

const UNPROVEN = ['pending', 'refused']

/** What the latest proof says, when it is worth saying (a refusal with its reason, a check waiting). */
function proofNote(m: FamilyMember, t: (key: MessageKey, params?: Record<string, string>) => string): string | null {
  const proof = m.proof
  if (!proof || m.guardianship === 'proven' || m.guardianship === 'not_required') return null
  if (proof.method === 'birth_certificate') {
    if (proof.outcome === 'submitted') return t('family.proof.submitted')
    if (proof.outcome === 'refused') return t('family.proof.refused', { reason: proof.reason ?? '' })
    return null
  }
  return ['not_listed', 'not_found', 'unavailable'].includes(proof.outcome)
    ? t(`family.proof.${proof.outcome}` as MessageKey)
    : null
}

/**
 * The family list: each member with their consent status and, for a child under 14, whether
 * guardianship is proven (`data-guardianship`), with the ways to prove it when it is not.
 */
export default function FamilyList({ items, onRemove, onCheck, onUpload }: Props) {
  const t = useT()
  return (
    <View className='list' data-testid='family-list'>
      {items.map((m) => {
        const unproven = m.status === 'active' && UNPROVEN.includes(m.guardianship ?? '')
        const waiting = m.proof?.method === 'birth_certificate' && m.proof.outcome === 'submitted'
        const note = m.status === 'ended' ? t('family.endedHint') : proofNote(m, t)
        return (
          <View
            key={m.id}
            className='list__row'
            data-testid='family-member'
            data-status={m.status}
            data-relation={m.relation}
            data-guardianship={m.guardianship ?? 'not_required'}
          >
            <View className='avatar avatar--small'>
              <Text>{(m.name || '?').slice(0, 1)}</Text>
            </View>
            <View className='list__main'>
              <View className='list__line'>
                <Text className='list__title'>{m.name}</Text>
                <Text className='tag'>{t(`family.relation.${m.relation}`)}</Text>
                {m.is_minor && <Text className='tag tag--minor'>{t('family.minor')}</Text>}
              </View>
              <Text className='caption muted mono'>{m.id_number}</Text>
              {m.guardianship && m.guardianship !== 'not_required' && m.status !== 'ended' && (
                <Text
                  className={`chip ${m.guardianship === 'proven' ? 'chip--ok' : 'chip--warn'}`}
                  data-testid='family-member-guardianship'
                >
                  {t(`family.guardianship.${m.guardianship}` as MessageKey)}
                </Text>
              )}
              {note && (
                <Text className='caption muted block' data-testid='family-member-proof'>
                  {note}
                </Text>
              )}
              {unproven && (onCheck || onUpload) && (
                <View className='list__line'>
                  {onCheck && (
                    <Text className='link' data-testid='family-member-check' onClick={() => onCheck(m)}>
                      {t('family.checkAgain')}
                    </Text>
                  )}
                  {onUpload && !waiting && (
                    <Text className='link' data-testid='family-member-upload' onClick={() => onUpload(m)}>
                      {t('family.uploadCertificate')}
                    </Text>
                  )}
                </View>
              )}
            </View>
            <View className='list__side'>
              <Text
                className={`chip ${m.status === 'active' && !unproven ? 'chip--ok' : 'chip--warn'}`}
                data-testid='family-member-status'
              >
                {t(`family.status.${m.status}` as MessageKey)}
              </Text>
              {onRemove && (
                <Text className='link link--danger' data-testid='family-member-remove' onClick={() => onRemove(m)}>
                  {t('family.remove')}
                </Text>
              )}
            </View>
          </View>
        )
      })}
    </View>
  )
}
