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

export interface FamilyMember {
  id: string | number
  relation: Relation
  name: string
  id_number: string
  status: 'active' | 'pending_consent'
  is_minor: boolean
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
