import { request, requestVia, type RequestOptions } from './client'
import platform, { type PickedFile } from '../platform'
import { localeStore } from '../store/settings'
import type { PaymentOrder } from './payments'

/**
 * The palm office (掌上办) API: catalogue, applications, materials, e-certificates, 好差评, inbox.
 * Shapes follow the backend schemas (api/<domain>/schemas.py); texts come back in the Accept-Language the client sends.
 */

// ---- catalogue --------------------------------------------------------------------------------------

export interface Named {
  code: string
  name: string
}

export interface ItemSummary {
  code: string
  basic_code: string
  name: string
  status: string
  department: Named
  region: Named
  online_depth: number
  at_most_one_visit: boolean
  zero_visit: boolean
  fee_fen: number
  min_identity_level: number
  high_frequency_rank: number | null
}

export interface ItemPage {
  items: ItemSummary[]
  total: number
  limit: number
  offset: number
}

export type ApplicantKind = 'self' | 'family_member' | 'enterprise'
/** `money`: typed in yuan, the answer in fen (a whole number), like every amount of the API */
export type FieldType = 'text' | 'number' | 'money' | 'date' | 'select' | 'boolean' | 'id_number' | 'phone'
export type Op = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'in' | 'not_in' | 'present'
export type Scalar = string | number | boolean | null

export type Condition =
  | { field: string; op: Op; value?: Scalar | (string | number)[] }
  | { all: Condition[] }
  | { any: Condition[] }

export interface FormField {
  key: string
  type: FieldType
  label: string
  help: string | null
  required: boolean
  min: number | string | null
  max: number | string | null
  pattern: string | null
  options: { value: string; label: string }[] | null
  show_if: Condition | null
  /** boolean: the answer preselected on a new form (null: the resident chooses) */
  default?: boolean | null
  /** filled by the server from a verified record (`subject.id_number`…): shown read-only, never sent */
  prefill?: string | null
}

export interface ItemMaterial {
  code: string
  name: string
  required: boolean
  /** an e-certificate of this type can replace the upload (免提交) */
  certificate_type: string | null
  /** 容缺: may follow after acceptance */
  tolerated: boolean
}

/** The item version's document, texts in the caller's language. */
export interface ItemDocument {
  name: string
  summary: string | null
  guide: string
  department: string
  region: string
  themes: string[]
  life_events: string[]
  online_depth: number
  at_most_one_visit: boolean
  zero_visit: boolean
  promised_days: number
  legal_days: number
  fee_fen: number
  min_identity_level: number
  applicant_kinds: ApplicantKind[]
  delivery: string[]
  result_certificate_type: string | null
  materials: ItemMaterial[]
  form: { fields: FormField[] }
  workflow: string
}

export interface Item extends ItemSummary {
  version: number
  current_version: number
  published_at: string
  document: ItemDocument
}

export interface Tag {
  code: string
  name: string
  items: number
}

export interface ItemFilter {
  q?: string
  theme?: string
  life_event?: string
  department?: string
  region?: string
  limit?: number
  offset?: number
}

function query(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
  return parts.length ? `?${parts.join('&')}` : ''
}

export function searchItems(filter: ItemFilter, opts: RequestOptions = {}): Promise<ItemPage> {
  return request<ItemPage>(`/api/v1/catalog/items${query({ ...filter })}`, { auth: false, ...opts })
}

export async function highFrequency(opts: RequestOptions = {}): Promise<ItemSummary[]> {
  return (await request<{ items: ItemSummary[] }>('/api/v1/catalog/high-frequency', { auth: false, ...opts })).items
}

export function themes(): Promise<{ themes: Tag[]; life_events: Tag[] }> {
  return request('/api/v1/catalog/themes', { auth: false })
}

export function getItem(code: string, opts: RequestOptions = {}): Promise<Item> {
  return request<Item>(`/api/v1/catalog/items/${encodeURIComponent(code)}`, { auth: false, ...opts })
}

const itemNames = new Map<string, Promise<string>>()

/**
 * An item's name in the UI language, for lists that carry only codes. Cached per language for the
 * app's lifetime (a failed look-up is forgotten, and the code is shown meanwhile).
 */
export function itemName(code: string): Promise<string> {
  const key = `${localeStore.get()}:${code}`
  let found = itemNames.get(key)
  if (!found) {
    found = request<Item>(`/api/v1/catalog/items/${encodeURIComponent(code)}`, { auth: false, silent: true })
      .then((item) => item.document?.name ?? item.name)
      .catch(() => {
        itemNames.delete(key)
        return code
      })
    itemNames.set(key, found)
  }
  return found
}

// ---- applications -----------------------------------------------------------------------------------

export type FormValues = Record<string, Scalar>

export interface Application {
  id: number
  number: string
  item_code: string
  /** the item's name in the caller's language (labels: see utils/labels.ts) */
  item_label?: string | null
  department_label?: string | null
  state_label?: string
  item_version_id: number
  department: string
  state: string
  /** workflow steps open from this state, whoever takes them */
  next_steps: string[]
  /** of those, the applicant's (withdraw, resubmit, appeal) */
  applicant_steps: string[]
  /** of those, staff's (their role is checked when taken) */
  staff_steps: string[]
  on_behalf_of: number | null
  form: FormValues
  rule_results: RuleResult | null
  warning: 'none' | 'yellow' | 'red' | string
  created_at: string
  submitted_at: string | null
  decided_at: string | null
  started_on: string | null
  due_promised_on: string | null
  due_legal_on: string | null
  stage_due_on: string | null
  supplement_due_on: string | null
  paused_since: string | null
  paused_working_days: number
  claimed_by: number | null
  staff_steps_labels?: string[]
  applicant_steps_labels?: string[]
  /** 好差评: "open", "rated" or null (being added to the backend; undefined until then) */
  rating?: 'open' | 'rated' | null
}

export interface RuleResult {
  passed: boolean
  explanation: string
  children?: RuleResult[]
}

export interface TransitionStep {
  name: string
  name_label?: string
  by_label?: string
  from_state: string
  to_state: string
  by: 'applicant' | 'staff' | 'system' | string
  staff_id: number | null
  comment: string
  reasons: string[]
  attachments: number[]
  at: string
}

export interface Material {
  id: number
  material_code: string
  content_type: string
  size: number
  sha256: string
  filename: string
  reused_from: number | null
  /** 免提交: the wallet certificate used instead of a file (being added to the backend) */
  certificate_id?: number | null
  uploaded_by: string
  created_at: string
}

/** One 秒批 rule in words (staff view): what was checked, what was found, what the rule wants. */
export interface ChecklistLine {
  label: string
  passed: boolean
  detail: string
  requirement: string
  depth: number
}

export interface Case extends Application {
  timeline: TransitionStep[]
  /** 秒批 as a readable checklist in the caller's language; null when the item has none */
  checklist?: ChecklistLine[] | null
  materials: Material[]
  /** the form's fields the server filled from the verified record (the person's name, ID number…) */
  prefilled?: string[]
  /** the item's fee (收费事项); 0 = free */
  fee_fen?: number
  /** the fee's payment order, once asked for (POST /applications/{id}/payment); null before */
  payment?: PaymentOrder | null
  /** what happens to the fee: none, due, closed (pay again), paid, refunding, refunded, refund_by_finance */
  fee_state?: string
  /** said of the fee in the caller's language (a closed order, a government fee's 退付); null if nothing */
  fee_note?: string | null
}

export function createApplication(input: { item_code: string; on_behalf_of?: number | null; form: FormValues }) {
  return request<Application>('/api/v1/applications', { method: 'POST', data: { ...input }, silent: true })
}

export function updateApplication(id: number, form: FormValues) {
  return request<Application>(`/api/v1/applications/${id}`, { method: 'PATCH', data: { form }, silent: true })
}

export async function listApplications(opts: RequestOptions = {}): Promise<Application[]> {
  return (await request<{ items: Application[] }>('/api/v1/applications', opts)).items
}

export function getApplication(id: number, opts: RequestOptions = {}): Promise<Case> {
  return request<Case>(`/api/v1/applications/${id}`, opts)
}

export function submitApplication(id: number) {
  return request<Application>(`/api/v1/applications/${id}/submit`, { method: 'POST', silent: true })
}

export function withdrawApplication(id: number, comment = '') {
  return request<Application>(`/api/v1/applications/${id}/withdraw`, { method: 'POST', data: { comment } })
}

/** Appeal a decision (where the workflow allows it: `applicant_steps` has `appeal`); `comment` gives the grounds. */
export function appealApplication(id: number, comment: string) {
  return request<Application>(`/api/v1/applications/${id}/appeal`, { method: 'POST', data: { comment } })
}

export function resubmitApplication(id: number, comment = '', opts: RequestOptions = {}) {
  return request<Application>(`/api/v1/applications/${id}/resubmit`, { method: 'POST', data: { comment }, ...opts })
}

/** Upload a file as a material (multipart `material_code` + `file`), through the platform layer. */
export function uploadMaterial(id: number, materialCode: string, file: PickedFile): Promise<Material> {
  return requestVia<Material>({ idempotent: true }, (header, url) =>
    platform.uploadFile({
      url: url(`/api/v1/applications/${id}/materials`),
      header,
      fileField: 'file',
      file,
      formData: { material_code: materialCode },
    }),
  )
}

/** 免提交: use a wallet e-certificate in place of a material. */
export function attachCertificate(id: number, materialCode: string, certificateId: number) {
  return request<Material>(`/api/v1/applications/${id}/materials`, {
    method: 'POST',
    data: { material_code: materialCode, certificate_id: certificateId },
  })
}

/** The material code of files staff attach to a case (a decision letter, a notice). */
export const STAFF_ATTACHMENT = 'staff_attachment'

export function materialPath(caseId: number, materialId: number): string {
  return `/api/v1/applications/${caseId}/materials/${materialId}`
}

/** Download and show a material (resident or staff side). */
export function openMaterial(path: string, filename: string, as: RequestOptions['as'] = 'resident') {
  return requestVia<unknown>({ as }, (header, url) => platform.openFile(url(path), header, filename))
}

// ---- e-certificates ---------------------------------------------------------------------------------

export interface Certificate {
  id: number
  number: string
  type_code: string
  /** the catalogue's name for the type (being added to the backend) */
  type_key?: string
  type_name?: string
  holder_name: string | null
  /** what the certificate states (official language): the item, the case number, the printed answers */
  data: CertificateData
  /** the issuing authority's name (labels: see utils/labels.ts) */
  department_label?: string | null
  validity_label?: string
  valid_from: string
  valid_until: string
  department_code: string
  status: string
  validity: 'valid' | 'not_yet_valid' | 'expired' | 'revoked' | string
  issued_at: string
  revoked_at: string | null
}

export interface CertificateData {
  item_code?: string
  item_name?: string
  application_number?: string
  fields?: { key: string; label: string; value: unknown }[]
  [key: string]: unknown
}

export async function listCertificates(opts: RequestOptions = {}): Promise<Certificate[]> {
  return (await request<{ items: Certificate[] }>('/api/v1/certificates', opts)).items
}

export function getCertificate(id: number, opts: RequestOptions = {}): Promise<Certificate> {
  return request<Certificate>(`/api/v1/certificates/${id}`, opts)
}

/** The key a material's `certificate_type` names (type_key once the backend sends it). */
export function certificateKey(c: Certificate): string {
  return c.type_key ?? c.type_code
}

// ---- 好差评 -----------------------------------------------------------------------------------------

export type EvaluationLevel = 'very_satisfied' | 'satisfied' | 'basically_satisfied' | 'dissatisfied' | 'very_dissatisfied'
export const BAD_LEVELS: EvaluationLevel[] = ['dissatisfied', 'very_dissatisfied']

export interface Indicators {
  levels: EvaluationLevel[]
  sets: { target_type: string; indicators: Named[] }[]
}

export function evaluationIndicators(): Promise<Indicators> {
  return request<Indicators>('/api/v1/evaluations/indicators')
}

export function createEvaluation(input: {
  target_type: string
  target_id: number
  level: EvaluationLevel
  indicators: Record<string, EvaluationLevel>
  comment?: string
}) {
  return request<{ id: number; level: EvaluationLevel }>('/api/v1/evaluations', {
    method: 'POST',
    data: { ...input },
    silent: true,
  })
}

// ---- inbox ------------------------------------------------------------------------------------------

export interface InboxMessage {
  id: number
  kind: string
  title: string
  body: string
  link: string | null
  created_at: string
  read_at: string | null
}

export function listInbox(opts: RequestOptions = {}): Promise<{ items: InboxMessage[]; total: number; unread: number }> {
  return request('/api/v1/inbox?limit=50', opts)
}

export function markRead(id: number) {
  return request(`/api/v1/inbox/${id}/read`, { method: 'POST', idempotent: false })
}
