import { Text, View } from '@tarojs/components'
import type { FormField, FormValues } from '../api'
import { useT } from '../i18n'
import { displayValue } from '../utils/conditions'
import KV from './KV'

/**
 * A case's answers, read-only, labelled from the item's form (ID numbers and phones arrive masked,
 * amounts in yuan). Answers the form no longer asks are left out: their keys are no words for people.
 */
export default function FormAnswers({ fields, form }: { fields: FormField[]; form: FormValues }) {
  const t = useT()
  const known = fields.filter((f) => f.key in form)
  return (
    <View className='kv' data-testid='case-form'>
      {known.map((f) => (
        <KV key={f.key} k={f.label} testId={`answer-${f.key}`}>
          {displayValue(f, form[f.key], t('common.yes'), t('common.no'))}
        </KV>
      ))}
      {known.length === 0 && <Text className='body muted'>{t('common.none')}</Text>}
    </View>
  )
}
