import Taro, { useRouter } from '@tarojs/taro'
import { Text, Textarea, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import PageShell from '../../components/PageShell'
import ChipSelect from '../../components/ChipSelect'
import { requireLogin } from '../../components/auth'
import {
  BAD_LEVELS,
  createEvaluation,
  evaluationIndicators,
  showError,
  type EvaluationLevel,
  type Indicators,
} from '../../api'
import { useT } from '../../i18n'
import { errorCode } from '../../utils/errors'
import '../office/office.css'

/** 好差评: rate a finished service (`?target_type=service_request&target_id=`), as the inbox invites. */
export default function RateService() {
  const t = useT()
  const params = useRouter().params
  const targetType = params.target_type || 'service_request'
  const targetId = Number(params.target_id)
  const [catalogue, setCatalogue] = useState<Indicators | null>(null)
  const [level, setLevel] = useState<EvaluationLevel | null>(null)
  const [perIndicator, setPerIndicator] = useState<Record<string, EvaluationLevel>>({})
  const [comment, setComment] = useState('')
  const [state, setState] = useState<'form' | 'done' | 'closed'>('form')
  const [notice, setNotice] = useState('')
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (!requireLogin(`/pages/evaluations/new?target_type=${targetType}&target_id=${targetId}`)) return
    evaluationIndicators().then(setCatalogue).catch(() => undefined)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  const levels = catalogue?.levels ?? []
  const indicators = catalogue?.sets.find((s) => s.target_type === targetType)?.indicators ?? []
  const bad = level !== null && BAD_LEVELS.includes(level)
  const levelOptions = levels.map((l) => ({ value: l, label: t(`level.${l}`) }))

  async function submit() {
    if (busy || !level) return
    if (bad && !comment.trim()) {
      Taro.showToast({ title: t('rate.commentRequired'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      await createEvaluation({
        target_type: targetType,
        target_id: targetId,
        level,
        indicators: perIndicator,
        comment: comment.trim() || undefined,
      })
      setState('done')
      setNotice(t('rate.thanks'))
    } catch (err) {
      const code = errorCode(err)
      if (code === 'evaluation_not_open' || code === 'evaluation_exists') {
        setState('closed')
        setNotice(code === 'evaluation_exists' ? t('rate.exists') : t('rate.notOpen'))
      } else showError(err)
    } finally {
      setBusy(false)
    }
  }

  if (state !== 'form') {
    return (
      <PageShell testId='page-rate' title={t('rate.title')}>
        <View className='card center' data-testid={state === 'done' ? 'rate-done' : 'rate-closed'}>
          <Text className='item-title block'>{notice}</Text>
          <View className='btn btn--ghost btn--block' data-testid='rate-back' onClick={() => Taro.navigateBack().catch(() => Taro.redirectTo({ url: '/pages/applications/index' }))}>
            {t('common.back')}
          </View>
        </View>
      </PageShell>
    )
  }

  return (
    <PageShell testId='page-rate' title={t('rate.title')} className='page--action'>
      <View className='card'>
        <Text className='card__title'>{t('rate.overall')}</Text>
        <ChipSelect testIdPrefix='rate-level' value={level} onChange={setLevel} options={levelOptions} />
      </View>
      {indicators.length > 0 && (
        <View className='card' data-testid='rate-indicators'>
          <Text className='card__title'>{t('rate.indicators')}</Text>
          {indicators.map((ind) => (
            <View key={ind.code} className='filter-group'>
              <Text className='field__label'>{ind.name}</Text>
              <ChipSelect
                testIdPrefix={`rate-${ind.code}`}
                value={perIndicator[ind.code] ?? null}
                onChange={(v) => setPerIndicator((p) => ({ ...p, [ind.code]: v }))}
                onClear={() =>
                  setPerIndicator((p) => {
                    const next = { ...p }
                    delete next[ind.code]
                    return next
                  })
                }
                options={levelOptions}
              />
            </View>
          ))}
        </View>
      )}
      <View className='card'>
        <Text className='card__title'>
          {t('rate.comment')}
          {bad && <Text className='form__required'> *</Text>}
        </Text>
        <View className='field field--area'>
          <Textarea
            className='field__textarea'
            data-testid='rate-comment'
            value={comment}
            maxlength={500}
            placeholder={t('rate.commentPlaceholder')}
            onInput={(e) => setComment(e.detail.value)}
          />
        </View>
      </View>
      <View className='action-bar'>
        <View
          className={`btn btn--primary btn--block ${!level || busy ? 'btn--busy' : ''}`}
          data-testid='rate-submit'
          onClick={submit}
        >
          {t('rate.submit')}
        </View>
      </View>
    </PageShell>
  )
}
