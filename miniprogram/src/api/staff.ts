import { request, requestVia, type RequestOptions } from './client'
import platform, { type PickedFile } from '../platform'
import { clearStaffSession, getStaffTokens, storeStaffPair, type StaffAccount } from './session'
import type { Application, Case, Material } from './office'

/** The staff back office: its own session (POST /api/v1/staff/auth/login) and the case API. */

export type Queue = 'intake' | 'review' | 'mine' | 'waiting' | 'overdue'
export const QUEUES: Queue[] = ['intake', 'review', 'mine', 'waiting', 'overdue']

export type StaffAction = string
/** steps the workflows refuse without reasons (others answer `transition_reasons_required`) */
export const NEEDS_REASONS: StaffAction[] = [
  'not_accept',
  'request_supplement',
  'deny',
  'dismiss_appeal',
  'township_deny',
  'appraise_ineligible',
  'deny_after_reinvestigation',
]

/** The case's staff steps (`staff_steps`, from the server), the usual ones first. */
export function staffSteps(steps: string[]): StaffAction[] {
  const order = ['accept', 'request_supplement', 'review', 'approve', 'deliver', 'close']
  const rank = (s: string) => (order.includes(s) ? order.indexOf(s) : order.length)
  return [...steps].sort((a, b) => rank(a) - rank(b))
}

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

export async function listQueue(queue: Queue, opts: RequestOptions = {}): Promise<Application[]> {
  return (await request<{ items: Application[] }>(`/api/v1/staff/cases?queue=${queue}`, { as: 'staff', ...opts })).items
}

export function getCase(id: number, opts: RequestOptions = {}): Promise<Case> {
  return request<Case>(`/api/v1/staff/cases/${id}`, { as: 'staff', ...opts })
}

/** The staff roles with their names in the caller's language (`GET /api/v1/staff/roles`). */
export async function staffRoles(opts: RequestOptions = {}): Promise<{ code: string; name: string }[]> {
  return (await request<{ items: { code: string; name: string }[] }>('/api/v1/staff/roles', { as: 'staff', ...opts })).items
}

export function claimCase(id: number) {
  return request<Application>(`/api/v1/staff/cases/${id}/claim`, { method: 'POST', as: 'staff', idempotent: false })
}

export function releaseCase(id: number) {
  return request<Application>(`/api/v1/staff/cases/${id}/release`, { method: 'POST', as: 'staff', idempotent: false })
}

/**
 * Take a workflow step: `request-supplement` has its own route (it carries the deadline); every
 * other step goes to `steps/{name}`, which takes any step of the case's workflow.
 */
export function actOnCase(
  id: number,
  action: StaffAction,
  body: { comment?: string; reasons?: string[]; attachments?: number[]; supplement_due_on?: string },
) {
  const path =
    action === 'request_supplement'
      ? `/api/v1/staff/cases/${id}/request-supplement`
      : `/api/v1/staff/cases/${id}/steps/${encodeURIComponent(action)}`
  return request<Application>(path, {
    method: 'POST',
    as: 'staff',
    idempotent: false,
    silent: true,
    data: {
      comment: body.comment ?? '',
      reasons: body.reasons ?? [],
      attachments: body.attachments ?? [],
      ...(action === 'request_supplement' && body.supplement_due_on ? { supplement_due_on: body.supplement_due_on } : {}),
    },
  })
}

/** Attach a file to a case the officer holds (a written decision…): multipart `file`, through the platform layer. */
export function attachStaffFile(caseId: number, file: PickedFile): Promise<Material> {
  return requestVia<Material>({ as: 'staff', idempotent: true }, (header, url) =>
    platform.uploadFile({ url: url(`/api/v1/staff/cases/${caseId}/materials`), header, fileField: 'file', file, formData: {} }),
  )
}

export function staffMaterialPath(caseId: number, materialId: number): string {
  return `/api/v1/staff/cases/${caseId}/materials/${materialId}`
}
