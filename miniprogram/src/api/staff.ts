import { request } from './client'
import { clearStaffSession, getStaffTokens, storeStaffPair, type StaffAccount } from './session'
import type { Application, Case } from './office'

/** The staff back office: its own session (POST /api/v1/staff/auth/login) and the case API. */

export type Queue = 'intake' | 'review' | 'mine' | 'waiting' | 'overdue'
export const QUEUES: Queue[] = ['intake', 'review', 'mine', 'waiting', 'overdue']

/** Workflow steps staff take, in the order buttons show (URL segment = name with '-' for '_'). */
export const STAFF_ACTIONS = [
  'accept',
  'not_accept',
  'request_supplement',
  'review',
  'approve',
  'deny',
  'deliver',
  'close',
] as const
export type StaffAction = (typeof STAFF_ACTIONS)[number]
/** steps the workflow refuses without reasons */
export const NEEDS_REASONS: StaffAction[] = ['not_accept', 'request_supplement', 'deny']

export async function staffLogin(username: string, password: string): Promise<StaffAccount> {
  const res = await request<{
    access_token: string
    refresh_token: string
    expires_in: number
    account: StaffAccount
  }>('/api/v1/staff/auth/login', {
    method: 'POST',
    auth: false,
    idempotent: false,
    silent: true,
    data: { username, password },
  })
  storeStaffPair(res)
  return res.account
}

export async function staffLogout(): Promise<void> {
  const tokens = getStaffTokens()
  try {
    if (tokens) {
      await request('/api/v1/staff/auth/logout', {
        method: 'POST',
        auth: false,
        idempotent: false,
        silent: true,
        data: { refresh_token: tokens.refresh },
      })
    }
  } catch {
    /* dropped locally anyway */
  } finally {
    clearStaffSession()
  }
}

export async function listQueue(queue: Queue): Promise<Application[]> {
  return (await request<{ items: Application[] }>(`/api/v1/staff/cases?queue=${queue}`, { as: 'staff' })).items
}

export function getCase(id: number): Promise<Case> {
  return request<Case>(`/api/v1/staff/cases/${id}`, { as: 'staff' })
}

export function claimCase(id: number) {
  return request<Application>(`/api/v1/staff/cases/${id}/claim`, { method: 'POST', as: 'staff', idempotent: false })
}

export function releaseCase(id: number) {
  return request<Application>(`/api/v1/staff/cases/${id}/release`, { method: 'POST', as: 'staff', idempotent: false })
}

export function actOnCase(
  id: number,
  action: StaffAction,
  body: { comment?: string; reasons?: string[]; supplement_due_on?: string },
) {
  return request<Application>(`/api/v1/staff/cases/${id}/${action.replace(/_/g, '-')}`, {
    method: 'POST',
    as: 'staff',
    idempotent: false,
    silent: true,
    data: { comment: body.comment ?? '', reasons: body.reasons ?? [], ...(body.supplement_due_on ? { supplement_due_on: body.supplement_due_on } : {}) },
  })
}

export function staffMaterialPath(caseId: number, materialId: number): string {
  return `/api/v1/staff/cases/${caseId}/materials/${materialId}`
}
