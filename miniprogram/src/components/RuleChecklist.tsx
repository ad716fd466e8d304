import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import type { Case } from '../api'
import { useT } from '../i18n'
import RuleTree from './RuleTree'

/**
 * 秒批 for staff: the server's checklist, one line per rule in the staff member's language (what was
 * checked, what was found, what the rule wants, ✓ or ✗). The rules' own notation is hidden behind
 * a toggle, for the rare question the checklist does not answer.
 */
export default function RuleChecklist({ c }: { c: Pick<Case, 'checklist' | 'rule_results'> }) {
  const t = useT()
  const [raw, setRaw] = useState(false)
  const lines = c.checklist ?? []
  if (!lines.length && !c.rule_results) return null
  const passed = c.rule_results?.passed ?? lines.every((l) => l.passed)
  return (
    <View className='card' data-testid='rule-results' data-passed={passed ? 'true' : 'false'}>
      <View className='card__head'>
        <Text className='card__title'>{t('case.ruleResults')}</Text>
        <Text className={`chip ${passed ? 'chip--ok' : 'chip--warn'}`}>{passed ? t('case.rulesPassed') : t('case.rulesNotPassed')}</Text>
      </View>
      {lines.length > 0 ? (
        <View className='checklist' data-testid='rule-checklist'>
          {lines.map((l, i) => (
            <View key={i} className={`checklist__line ${l.depth ? 'checklist__line--inner' : ''}`} data-testid='rule-line' data-passed={l.passed ? 'true' : 'false'}>
              <Text className={`checklist__mark ${l.passed ? 'ok-text' : 'bad-text'}`}>{l.passed ? '✓' : '✗'}</Text>
              <View className='checklist__main'>
                <Text className='body block'>
                  {l.label}：{l.detail}
                </Text>
                {!l.passed && <Text className='caption muted block'>{l.requirement}</Text>}
              </View>
            </View>
          ))}
        </View>
      ) : (
        <Text className='caption muted block'>{t('case.rulesNoChecklist')}</Text>
      )}
      {c.rule_results && (
        <View>
          <View className='btn btn--small btn--ghost' data-testid='rule-raw-toggle' onClick={() => setRaw(!raw)}>
            {raw ? t('case.rulesHideRaw') : t('case.rulesShowRaw')}
          </View>
          {raw && <RuleTree result={c.rule_results} />}
        </View>
      )}
    </View>
  )
}
