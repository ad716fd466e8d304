import { canActFor, type FamilyMember } from '../api'
import { t } from '../i18n'

/**
 * Options for "who is this for": myself (when allowed) and the family members one may act for
 * (active, and a child's guardianship proven), as
 * ChipSelect options whose values are `self` or `m<member id>` (test ids `<prefix>-self`, `<prefix>-m12`).
 */
export function whoForOptions(family: FamilyMember[], withSelf: boolean): { value: string; label: string }[] {
  return [
    ...(withSelf ? [{ value: 'self', label: t('applicant.self') }] : []),
    ...family
      .filter(canActFor)
      .map((m) => ({ value: `m${m.id}`, label: `${m.name}（${t(`family.relation.${m.relation}`)}）` })),
  ]
}

/** The family member id a whoForOptions value names (null for myself). */
export function memberOf(value: string | null): number | null {
  return value && value.startsWith('m') ? Number(value.slice(1)) : null
}
