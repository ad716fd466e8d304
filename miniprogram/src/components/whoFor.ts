import { canActFor, type FamilyMember, type FormField, type FormValues } from '../api'
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

/**
 * Text fields of an item's form that ask for the name of the person the application is for (出生登记's
 * 新生儿姓名…): filled from the family member chosen, so the guardian does not type it again.
 */
const MEMBER_NAME_FIELDS = ['child_name', 'member_name', 'applicant_name', 'patient_name', 'name']

/**
 * The answers after choosing who an application is for: the fields naming that person take the
 * member's name (the guardian reads it in full); a name filled for someone chosen before is taken
 * away again, while anything the resident typed stays.
 */
export function withMemberAnswers(
  fields: FormField[],
  values: FormValues,
  chosen: FamilyMember | null,
  before: FamilyMember | null,
): FormValues {
  const next = { ...values }
  for (const f of fields) {
    if (f.type !== 'text' || !MEMBER_NAME_FIELDS.includes(f.key)) continue
    const current = next[f.key]
    const untouched = current === undefined || current === null || current === '' || (!!before && current === before.name)
    if (!untouched) continue
    if (chosen?.name) next[f.key] = chosen.name
    else delete next[f.key]
  }
  return next
}
