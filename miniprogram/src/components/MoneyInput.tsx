import { Input, Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import { useT } from '../i18n'
import { parseYuan, yuanText } from '../utils/money'

interface Props {
  /** the amount in fen (undefined: nothing typed) */
  fen: number | undefined
  /** fen, or undefined when the field is empty or what is typed is not an amount */
  onChange: (fen: number | undefined) => void
  testId: string
  placeholder?: string
}

/**
 * An amount of money typed in yuan, two decimals at most (8000.5 is ¥8000.50; 8000.505 is refused
 * here, before the server sees it), handed to the page in fen, as the API keeps every amount.
 */
export default function MoneyInput({ fen, onChange, testId, placeholder }: Props) {
  const t = useT()
  const [text, setText] = useState(fen === undefined ? '' : yuanText(fen))
  // a value set from outside (a draft loaded) replaces what is shown unless it is what was typed
  useEffect(() => {
    if (fen !== (parseYuan(text) ?? undefined)) setText(fen === undefined ? '' : yuanText(fen))
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fen])
  const bad = text.trim() !== '' && parseYuan(text) === null
  return (
    <View>
      <View className='field field--money'>
        <Text className='field__unit'>¥</Text>
        <Input
          className='field__input'
          data-testid={testId}
          type='digit'
          value={text}
          placeholder={placeholder ?? t('money.placeholder')}
          maxlength={16}
          onInput={(e) => {
            const next = e.detail.value
            setText(next)
            onChange(parseYuan(next) ?? undefined)
          }}
        />
        <Text className='field__unit'>{t('money.yuan')}</Text>
      </View>
      {bad && (
        <Text className='form__error block' data-testid={`${testId}-invalid`}>
          {t('money.invalid')}
        </Text>
      )}
    </View>
  )
}
