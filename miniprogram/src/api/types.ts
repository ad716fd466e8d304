import type { Locale } from '../store/settings'

export type IdentityLevel = 'L1' | 'L2' | 'L3' | 'L4' | 'L5'

export interface User {
  id: string | number
  nickname: string | null
  /** masked, e.g. 138****0000 */
  phone: string | null
  identity_level: IdentityLevel
  real_name_verified: boolean
  /** masked */
  name: string | null
  /** masked, e.g. 4418**********1234 */
  id_number: string | null
  locale: Locale
  care_mode: boolean
}

export interface TokenPair {
  access_token: string
  refresh_token: string
  /** seconds */
  expires_in: number
  user: User
}

export type Relation = 'child' | 'spouse' | 'parent' | 'other'
export const RELATIONS: Relation[] = ['child', 'spouse', 'parent', 'other']

/** A child under 14: whether the adding resident is proven its guardian (nobody acts for it until then). */
export type Guardianship = 'not_required' | 'pending' | 'proven' | 'refused'

/** The latest attempt to prove guardianship: the population register's answer or a birth certificate. */
export interface GuardianshipProof {
  id: number
  method: 'register' | 'birth_certificate'
  /** register: confirmed, not_listed, not_found, unavailable; birth certificate: submitted, approved, refused, withdrawn */
  outcome: string
  reason: string | null
  created_at: string
  decided_at: string | null
}

export interface FamilyMember {
  id: string | number
  relation: Relation
  name: string
  id_number: string
  status: 'active' | 'pending_consent' | 'declined' | 'ended'
  is_minor: boolean
  guardianship?: Guardianship
  proof?: GuardianshipProof | null
}

/** Someone may be acted for: active, and (a child) with guardianship proven. */
export function canActFor(m: FamilyMember): boolean {
  return m.status === 'active' && m.guardianship !== 'pending' && m.guardianship !== 'refused'
}

export interface FamilyInvitation {
  id: string | number
  from_name: string
  relation: Relation
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown }
  request_id?: string
}
