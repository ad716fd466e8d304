import { request, type RequestOptions } from './client'
import { spotPath } from './tourism'

/**
 * 景区管理 (the spot manager's): its notices (游览提示) published, edited and withdrawn, and its
 * limits (daily and instantaneous maximum, policy cap, walk-in share). Shapes follow
 * api/tourism/manage.py.
 */

export interface Trilingual {
  zh_Hans: string
  zh_Hant: string
  en: string
}

export type AdvisoryState = 'shown' | 'scheduled' | 'expired' | 'withdrawn'

export interface ManagedAdvisory {
  id: number
  title: Trilingual
  text: Trilingual
  /** China dates, inclusive */
  first_day: string
  last_day: string
  state: AdvisoryState
  withdrawn_at: string | null
}

export interface AdvisoryInput {
  /** zh_Hans required; the others empty: shown in 简体 */
  title: Trilingual
  text: Trilingual
  first_day: string
  last_day: string
}

export interface SpotSettings {
  spot: string
  spot_name: string
  daily_max: number
  instant_max: number
  policy_percent: number
  walk_in_percent: number
  /** what a day sells: daily maximum × policy */
  day_capacity: number
  /** of it, kept for the window */
  walk_in: number
  /** inside at once at most */
  instant_limit: number
  crowd_ladder: { percent: number; level: string; level_label: string }[]
  rules: Record<string, unknown>
}

export interface LimitsChanged extends SpotSettings {
  days_changed: number
  slots_changed: number
  level: string | null
}

export type LimitsInput = Partial<Pick<SpotSettings, 'daily_max' | 'instant_max' | 'policy_percent' | 'walk_in_percent'>>

export async function spotAdvisories(code: string, opts: RequestOptions = {}): Promise<ManagedAdvisory[]> {
  const found = await request<{ advisories: ManagedAdvisory[] }>(`${spotPath(code)}/advisories`, { ...opts, as: 'staff' })
  return found.advisories
}

/** Publish a notice (an Idempotency-Key per tap: a retried request publishes it once). */
export function publishAdvisory(code: string, input: AdvisoryInput, opts: RequestOptions = {}): Promise<ManagedAdvisory> {
  return request<ManagedAdvisory>(`${spotPath(code)}/advisories`, { ...opts, method: 'POST', as: 'staff', data: { ...input } })
}

export function withdrawAdvisory(code: string, id: number, opts: RequestOptions = {}): Promise<ManagedAdvisory> {
  return request<ManagedAdvisory>(`${spotPath(code)}/advisories/${id}/withdraw`, { ...opts, method: 'POST', as: 'staff' })
}

export function spotSettings(code: string, opts: RequestOptions = {}): Promise<SpotSettings> {
  return request<SpotSettings>(`${spotPath(code)}/settings`, { ...opts, as: 'staff' })
}

/** Change the limits given (refused, nothing changed, below what is sold: spot_capacity_below_sold). */
export function setSpotLimits(code: string, input: LimitsInput, opts: RequestOptions = {}): Promise<LimitsChanged> {
  return request<LimitsChanged>(`${spotPath(code)}/limits`, { ...opts, method: 'PATCH', as: 'staff', data: { ...input } })
}
