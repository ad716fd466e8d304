import { request, requestVia } from './client'
import platform, { type PickedFile } from '../platform'
import { openMaterial } from './office'
import type { FamilyMember, GuardianshipProof, Relation } from './types'

/**
 * Guardianship of a child under 14: the resident asks the population register again or sends the
 * child's birth certificate; case officers check the certificates in their regions.
 */

const member = (id: FamilyMember['id']) => `/api/v1/family/${encodeURIComponent(String(id))}`
const PROOFS = '/api/v1/staff/guardianship-proofs'

/** Ask the population register again whether I am this child's guardian. */
export function checkGuardianship(id: FamilyMember['id']): Promise<FamilyMember> {
  return request<FamilyMember>(`${member(id)}/guardianship/check`, { method: 'POST' })
}

/** Send the child's birth certificate (出生医学证明) for staff to check; replaces one still waiting. */
export function uploadBirthCertificate(id: FamilyMember['id'], file: PickedFile): Promise<FamilyMember> {
  return requestVia<FamilyMember>({ idempotent: true }, (header, url) =>
    platform.uploadFile({ url: url(`${member(id)}/birth-certificate`), header, fileField: 'file', file, formData: {} }),
  )
}

/** A birth certificate waiting for an officer: names in clear (to compare), ID numbers masked. */
export interface CertificateToCheck {
  id: number
  child_name: string
  child_id_number: string
  child_birth_date: string
  relation: Relation
  guardian_name: string
  guardian_id_number: string
  region_code: string
  content_type: string
  size: number
  submitted_at: string
}

export async function listCertificatesToCheck(opts: { silent?: boolean } = {}): Promise<CertificateToCheck[]> {
  return (await request<{ items: CertificateToCheck[] }>(PROOFS, { ...opts, as: 'staff' })).items
}

export function openCertificate(id: number) {
  return openMaterial(`${PROOFS}/${id}/file`, `birth-certificate-${id}`, 'staff')
}

export function approveCertificate(id: number): Promise<GuardianshipProof> {
  return request<GuardianshipProof>(`${PROOFS}/${id}/approve`, { method: 'POST', as: 'staff' })
}

export function refuseCertificate(id: number, reason: string): Promise<GuardianshipProof> {
  return request<GuardianshipProof>(`${PROOFS}/${id}/refuse`, { method: 'POST', as: 'staff', data: { reason } })
}
