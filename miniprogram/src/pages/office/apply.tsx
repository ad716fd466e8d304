import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import ChipSelect from '../../components/ChipSelect'
import { memberOf, whoForOptions, withMemberAnswers } from '../../components/whoFor'
import FormRenderer, { defaultAnswers, recordAnswers, withoutRecordAnswers } from '../../components/FormRenderer'
import EnterpriseNotice, { forEnterprises } from '../../components/EnterpriseNotice'
import MaterialsPanel from '../../components/MaterialsPanel'
import { requireLogin } from '../../components/auth'
import MissingMaterials from '../../components/MissingMaterials'
import {
  canActFor,
  createApplication,
  getApplication,
  getItem,
  listCertificates,
  listFamily,
  showError,
  submitApplication,
  updateApplication,
  useUser,
  type Case,
  type Certificate,
  type FamilyMember,
  type FormValues,
  type Item,
  type Scalar,
} from '../../api'
import { useT } from '../../i18n'
import { visibleForm } from '../../utils/conditions'
import { errorCode, errorDetails, fieldErrors } from '../../utils/errors'

const SECRET_TYPES = ['id_number', 'phone']
const EDITABLE = ['draft', 'supplement_requested']

/**
 * Apply for an item (`?code=`), or go on with a draft / change answers during a supplement (`?id=`):
 * who for, the item's dynamic form, save (draft), materials (upload or e-certificate), submit.
 */
export default function Apply() {
  const t = useT()
  const params = useRouter().params
  const [item, setItem] = useState<Item | null>(null)
  const [family, setFamily] = useState<FamilyMember[]>([])
  const [certs, setCerts] = useState<Certificate[]>([])
  const [app, setApp] = useState<Case | null>(null)
  const [applicant, setApplicant] = useState<string | null>(null)
  const [values, setValues] = useState<FormValues>({})
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [reenter, setReenter] = useState<string[]>([])
  const [missing, setMissing] = useState<string[]>([])
  const [busy, setBusy] = useState(false)
  const user = useUser()

  const self = `/pages/office/apply?${params.id ? `id=${params.id}` : `code=${params.code ?? ''}`}`

  async function reloadCase(id: number) {
    const c = await getApplication(id)
    setApp(c)
    return c
  }

  useEffect(() => {
    if (!requireLogin(self)) return
    ;(async () => {
      try {
        let code = params.code ?? ''
        if (params.id) {
          const c = await reloadCase(Number(params.id))
          code = c.item_code
          const it = await getItem(code)
          // ID numbers and phones come back masked: they must be typed again (PATCH replaces all answers),
          // except those the server fills from the record, which are shown as they are and never sent.
          const fields = it.document.form.fields
          const secret = fields.filter((f) => SECRET_TYPES.includes(f.type) && !f.prefill).map((f) => f.key)
          setReenter(secret.filter((k) => k in c.form))
          setValues(Object.fromEntries(Object.entries(c.form).filter(([k]) => !secret.includes(k))))
          setApplicant(c.on_behalf_of ? `m${c.on_behalf_of}` : 'self')
          setItem(it)
        } else {
          const it = await getItem(code)
          setValues(defaultAnswers(it.document.form.fields))
          setItem(it)
        }
      } catch {
        /* toast shown */
      }
    })()
    listFamily().then(setFamily).catch(() => undefined)
    listCertificates({ silent: true }).then(setCerts).catch(() => undefined)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  if (!item) {
    return (
      <PageShell testId='page-apply' title={t('apply.title')}>
        <View className='card'>
          <Text className='body muted'>{t('common.loading')}</Text>
        </View>
      </PageShell>
    )
  }

  const d = item.document
  if (forEnterprises(item)) {
    return (
      <PageShell testId='page-apply' title={t('apply.title')}>
        <View className='card'>
          <Text className='item-title block'>{d.name}</Text>
        </View>
        <EnterpriseNotice />
      </PageShell>
    )
  }
  const kinds = d.applicant_kinds
  const members = family.filter(canActFor)
  const options = whoForOptions(kinds.includes('family_member') ? members : [], kinds.includes('self'))
  const needsFamily = !kinds.includes('self') && members.length === 0
  const state = app?.state ?? 'draft'
  const editable = EDITABLE.includes(state)
  const supplement = state === 'supplement_requested'

  /**
   * Who it is for; a family member's name fills the fields that ask for it (the guardian reads it in full).
   * Fields the server fills from the record show the member's (or one's own) name and masked ID number
   * until the draft exists, then the server's own values.
   */
  function choose(value: string) {
    const member = (id: number | null) => (id === null ? null : members.find((m) => Number(m.id) === id) ?? null)
    const chosen = member(memberOf(value))
    const subject = chosen ?? (value === 'self' ? user : null)
    const preview: Record<string, string | null | undefined> = {
      'subject.name': subject?.name,
      'subject.id_number': subject?.id_number,
      'applicant.name': user?.name,
      'applicant.id_number': user?.id_number,
    }
    setValues((v) => {
      const next = withMemberAnswers(d.form.fields, v, chosen, member(memberOf(applicant)))
      for (const f of d.form.fields) {
        if (!f.prefill) continue
        const known = preview[f.prefill]
        if (known) next[f.key] = known
        else delete next[f.key]
      }
      return next
    })
    setApplicant(value)
  }

  function change(key: string, value: Scalar | undefined) {
    setValues((v) => {
      const next = { ...v }
      if (value === undefined) delete next[key]
      else next[key] = value
      return next
    })
    if (errors[key]) setErrors((e) => ({ ...e, [key]: '' }))
  }

  /** The server's record-filled values (masked) replace the page's preview once the case is saved. */
  function withRecord(c: Case): Case {
    setValues((v) => ({ ...v, ...recordAnswers(d.form.fields, c.form) }))
    return c
  }

  /** Create the draft or save the answers; true when saved. Field errors land beside the fields. */
  async function save(): Promise<Case | null> {
    const answers = withoutRecordAnswers(d.form.fields, visibleForm(d.form.fields, values).answers)
    if (!applicant) {
      Taro.showToast({ title: t('apply.chooseMember'), icon: 'none' })
      return null
    }
    try {
      if (app) {
        await updateApplication(app.id, answers)
        setReenter([])
        return withRecord(await reloadCase(app.id))
      }
      const created = await createApplication({
        item_code: item!.code,
        on_behalf_of: applicant === 'self' ? null : Number(applicant.slice(1)),
        form: answers,
      })
      return withRecord(await reloadCase(created.id))
    } catch (err) {
      const fe = fieldErrors(err)
      if (Object.keys(fe).length) {
        setErrors(fe)
        Taro.showToast({ title: t('apply.fixErrors'), icon: 'none' })
      } else showError(err)
      return null
    }
  }

  async function onSave() {
    if (busy) return
    setBusy(true)
    const saved = await save()
    setBusy(false)
    if (!saved) return
    Taro.showToast({ title: t('apply.saved'), icon: 'success' })
    if (supplement) Taro.navigateBack().catch(() => Taro.redirectTo({ url: `/pages/applications/detail?id=${saved.id}` }))
  }

  async function onSubmit() {
    if (busy || !app) return
    setBusy(true)
    try {
      const saved = await save()
      if (!saved) return
      await submitApplication(saved.id)
      Taro.showToast({ title: t('apply.submitted'), icon: 'success' })
      Taro.redirectTo({ url: `/pages/applications/detail?id=${saved.id}` })
    } catch (err) {
      const fe = fieldErrors(err)
      if (Object.keys(fe).length) {
        setErrors(fe)
        Taro.showToast({ title: t('apply.fixErrors'), icon: 'none' })
      } else {
        if (errorCode(err) === 'application_materials_missing') {
          // named on the page, beside the materials, not in a toast that vanishes
          const codes = errorDetails<{ materials?: string[] }>(err)?.materials ?? []
          setMissing(codes)
          Taro.pageScrollTo({ selector: '#apply-materials', duration: 200 }).catch(() => undefined)
          reloadCase(app.id).catch(() => undefined)
        } else showError(err)
      }
    } finally {
      setBusy(false)
    }
  }

  return (
    <PageShell testId='page-apply' title={t('apply.title')} className='page--action'>
      <View className='card' data-testid='apply-head' data-state={state}>
        <Text className='item-title block'>{d.name}</Text>
        {app && <Text className='caption muted block' data-testid='apply-number'>{t('case.number')} {app.number}</Text>}
      </View>

      <View className='card' data-testid='apply-applicant'>
        <Text className='card__title'>{t('apply.for')}</Text>
        {needsFamily ? (
          <View>
            <Text className='body muted block' data-testid='apply-no-family'>{t('apply.noFamily')}</Text>
            <View className='btn btn--ghost btn--block' data-testid='apply-add-family' onClick={() => Taro.navigateTo({ url: '/pages/family/index?add=1' })}>
              + {t('apply.addFamily')}
            </View>
          </View>
        ) : (
          <ChipSelect
            testIdPrefix='applicant'
            value={applicant}
            onChange={(v) => !app && choose(v)}
            options={app ? options.filter((o) => o.value === applicant) : options}
          />
        )}
      </View>

      {editable && (
        <View className='card' data-testid='apply-form'>
          <Text className='card__title'>{t('apply.form')}</Text>
          <FormRenderer fields={d.form.fields} values={values} onChange={change} errors={errors} reenter={reenter} />
          <View className={`btn btn--ghost btn--block ${busy ? 'btn--busy' : ''}`} data-testid='apply-save' onClick={onSave}>
            {app ? t('apply.saveAnswers') : t('apply.save')}
          </View>
        </View>
      )}

      {app && editable && (
        <View className='card' data-testid='apply-materials' id='apply-materials'>
          <Text className='card__title'>{t('apply.materials')}</Text>
          <Text className='caption muted block'>{t('apply.materialsHint')}</Text>
          <MissingMaterials codes={missing} required={d.materials} handed={app.materials.map((m) => m.material_code)} />
          <MaterialsPanel
            caseId={app.id}
            required={d.materials}
            materials={app.materials}
            certificates={certs}
            editable
            onChanged={() => reloadCase(app.id).catch(() => undefined)}
          />
        </View>
      )}

      {app && state === 'draft' && (
        <View className='action-bar'>
          <View className={`btn btn--primary btn--block ${busy ? 'btn--busy' : ''}`} data-testid='apply-submit' onClick={onSubmit}>
            {t('apply.submit')}
          </View>
        </View>
      )}
    </PageShell>
  )
}
