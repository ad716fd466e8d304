import ChipSelect from './ChipSelect'
import { useT } from '../i18n'

interface Props {
  value: boolean | null | undefined
  onChange: (value: boolean | undefined) => void
  /** chips get test ids `<testIdPrefix>-true` and `<testIdPrefix>-false` */
  testIdPrefix: string
}

/**
 * A yes/no question as two chips, 是 and 否. Which one starts selected is the form's business (a
 * field's `default` in the item document), never this component's: an unanswered question shows
 * neither. Tapping the chosen answer again clears it.
 */
export default function YesNo({ value, onChange, testIdPrefix }: Props) {
  const t = useT()
  return (
    <ChipSelect
      testIdPrefix={testIdPrefix}
      value={value === true ? 'true' : value === false ? 'false' : null}
      onChange={(v) => onChange(v === 'true')}
      onClear={() => onChange(undefined)}
      options={[
        { value: 'true', label: t('common.yes') },
        { value: 'false', label: t('common.no') },
      ]}
    />
  )
}
