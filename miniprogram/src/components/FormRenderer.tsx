import { Input, Picker, Text, View } from '@tarojs/components'
import type { FormField, FormValues, Scalar } from '../api'
import { useT } from '../i18n'
import { visibleForm } from '../utils/conditions'
import ChipSelect from './ChipSelect'
import MoneyInput from './MoneyInput'
import YesNo from './YesNo'

interface Props {
  fields: FormField[]
  values: FormValues
  onChange: (key: string, value: Scalar | undefined) => void
  /** server messages per field key (from error.details.fields, `form.<key>`) */
  errors?: Record<string, string>
  /** keys whose stored value is masked: shown empty with a hint to type again */
  reenter?: string[]
}

const INPUT_TYPE: Partial<Record<FormField['type'], 'text' | 'number' | 'idcard' | 'digit'>> = {
  text: 'text',
  number: 'digit',
  id_number: 'idcard',
  phone: 'number',
}

/**
 * An item's form, rendered from its document: text, number, money (typed in yuan, kept in fen),
 * date, select, boolean (是/否), id_number and phone fields, with `show_if` conditions hiding fields
 * exactly as the server does. A new form starts from `defaultAnswers` (the document's defaults).
 * A field with `prefill` is filled by the server from the verified record: shown read-only (its value
 * as the page has it, an ID number masked) with "由登记信息自动填写"; `recordAnswers` and
 * `withoutRecordAnswers` keep such values out of what the page sends.
 * Test ids: `form-field-<key>` (wrapper), `field-<key>` (input, or `field-<key>-<value>` chips),
 * `field-error-<key>`.
 */
export default function FormRenderer({ fields, values, onChange, errors = {}, reenter = [] }: Props) {
  const t = useT()
  const { shown } = visibleForm(fields, values)

  /** A field the server fills from the verified record: its value as shown (an ID number masked), not editable. */
  function filled(f: FormField) {
    const value = values[f.key]
    const text = value === undefined || value === null ? '' : String(value)
    const shown = f.type === 'select' ? (f.options ?? []).find((o) => o.value === text)?.label ?? text : text
    return (
      <View className='field field--readonly' data-testid={`field-${f.key}`} data-prefilled={f.prefill}>
        <Text className={`field__text ${f.type === 'id_number' ? 'mono' : ''} ${shown ? '' : 'muted'}`}>{shown || '—'}</Text>
      </View>
    )
  }

  function control(f: FormField) {
    if (f.prefill) return filled(f)
    const value = values[f.key]
    switch (f.type) {
      case 'boolean':
        return <YesNo testIdPrefix={`field-${f.key}`} value={typeof value === 'boolean' ? value : null} onChange={(v) => onChange(f.key, v)} />
      case 'money':
        return <MoneyInput testId={`field-${f.key}`} fen={typeof value === 'number' ? value : undefined} onChange={(fen) => onChange(f.key, fen)} />
      case 'select':
        return (
          <ChipSelect
            testIdPrefix={`field-${f.key}`}
            value={typeof value === 'string' ? value : null}
            onChange={(v) => onChange(f.key, v)}
            onClear={() => onChange(f.key, undefined)}
            options={(f.options ?? []).map((o) => ({ value: o.value, label: o.label }))}
          />
        )
      case 'date':
        return (
          <Picker
            mode='date'
            value={typeof value === 'string' ? value : ''}
            start={typeof f.min === 'string' ? f.min : undefined}
            end={typeof f.max === 'string' ? f.max : undefined}
            onChange={(e) => onChange(f.key, String(e.detail.value))}
          >
            <View className='field' data-testid={`field-${f.key}`}>
              <Text className={value ? 'field__text' : 'field__text muted'}>{value ? String(value) : t('form.pickDate')}</Text>
            </View>
          </Picker>
        )
      default:
        return (
          <View className='field'>
            <Input
              className={`field__input ${f.type === 'id_number' || f.type === 'phone' ? 'mono' : ''}`}
              data-testid={`field-${f.key}`}
              type={INPUT_TYPE[f.type] ?? 'text'}
              value={value === undefined || value === null ? '' : String(value)}
              placeholder={t('form.placeholder')}
              maxlength={f.type === 'text' && typeof f.max === 'number' ? f.max : f.type === 'id_number' ? 18 : f.type === 'phone' ? 11 : 140}
              onInput={(e) => onChange(f.key, e.detail.value)}
            />
          </View>
        )
    }
  }

  return (
    <View className='form' data-testid='dynamic-form'>
      {shown.map((f) => {
        const error = errors[f.key]
        const range =
          f.type === 'number' && f.min !== null && f.max !== null ? t('form.range', { min: String(f.min), max: String(f.max) }) : ''
        return (
          <View
            key={f.key}
            className={`form__field ${error ? 'form__field--error' : ''}`}
            data-testid={`form-field-${f.key}`}
            data-type={f.type}
          >
            <Text className='field__label'>
              {f.label}
              {f.required && <Text className='form__required'> *</Text>}
            </Text>
            {control(f)}
            {f.help && <Text className='caption muted block'>{f.help}</Text>}
            {range && <Text className='caption muted block'>{range}</Text>}
            {f.prefill && (
              <Text className='caption muted block' data-testid={`field-prefilled-${f.key}`}>
                {t('form.prefilled')}
              </Text>
            )}
            {reenter.includes(f.key) && !f.prefill && <Text className='caption muted block'>{t('apply.reenter')}</Text>}
            {error && (
              <Text className='form__error block' data-testid={`field-error-${f.key}`}>
                {error}
              </Text>
            )}
          </View>
        )
      })}
    </View>
  )
}

/** The answers a new form starts with: each yes/no field's `default` from the item document. */
export function defaultAnswers(fields: FormField[]): FormValues {
  const out: FormValues = {}
  for (const f of fields) if (f.type === 'boolean' && typeof f.default === 'boolean') out[f.key] = f.default
  return out
}

/** The record-filled answers of a case's form (as the server shows them, ID numbers masked). */
export function recordAnswers(fields: FormField[], form: FormValues): FormValues {
  return Object.fromEntries(fields.filter((f) => f.prefill && f.key in form).map((f) => [f.key, form[f.key]]))
}

/** The answers to send: without the fields the server fills (it would ignore them anyway). */
export function withoutRecordAnswers(fields: FormField[], answers: FormValues): FormValues {
  const filled = new Set(fields.filter((f) => f.prefill).map((f) => f.key))
  return Object.fromEntries(Object.entries(answers).filter(([k]) => !filled.has(k)))
}
