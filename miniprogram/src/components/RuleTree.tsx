import { Text, View } from '@tarojs/components'
import type { RuleResult } from '../api'
import { useT } from '../i18n'

/** 秒批 results: each rule with passed / not passed and the server's explanation. */
export default function RuleTree({ result, depth = 0 }: { result: RuleResult; depth?: number }) {
  const t = useT()
  return (
    <View className='rule' style={{ marginLeft: `${depth * 12}px` }} data-testid={depth === 0 ? 'rule-raw' : undefined}>
      <View className='rule__line'>
        <Text className={`chip ${result.passed ? 'chip--ok' : 'chip--bad'} rule__chip`}>
          {result.passed ? t('case.rulePassed') : t('case.ruleFailed')}
        </Text>
        <Text className='caption rule__text'>{result.explanation}</Text>
      </View>
      {(result.children ?? []).map((c, i) => (
        <RuleTree key={i} result={c} depth={depth + 1} />
      ))}
    </View>
  )
}
