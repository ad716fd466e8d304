import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useRef, useState } from 'react'
import PageShell from '../../components/PageShell'
import { ApiError, completeIdentity } from '../../api'
import { useT } from '../../i18n'
import { readAuthParams } from './params'
import './identity.css'

type Status = 'verifying' | 'success' | 'error'

const PROFILE = '/pages/profile/index'

export default function IdentityCallback() {
  const t = useT()
  const router = useRouter()
  const [status, setStatus] = useState<Status>('verifying')
  const [message, setMessage] = useState('')
  const started = useRef(false)

  useEffect(() => {
    if (started.current) return
    started.current = true
    const { code, state, error } = readAuthParams(router.params)
    if (error) {
      setStatus('error')
      setMessage(t('identity.cancelled'))
      return
    }
    if (!code || !state) {
      setStatus('error')
      setMessage(t('identity.missingCode'))
      return
    }
    completeIdentity(code, state)
      .then(() => {
        setStatus('success')
        setTimeout(() => Taro.redirectTo({ url: PROFILE }), 1200)
      })
      .catch((err: unknown) => {
        setStatus('error')
        setMessage(err instanceof ApiError ? err.message : t('common.networkError'))
      })
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  return (
    <PageShell testId='page-identity-callback' title={t('profile.realName')}>
      <View className='result card' data-testid={`identity-${status}`}>
        <View className={`result__icon result__icon--${status}`}>
          <Text>{status === 'success' ? '✓' : status === 'error' ? '!' : '…'}</Text>
        </View>
        <Text className='result__title'>
          {status === 'success'
            ? t('identity.success')
            : status === 'error'
              ? t('identity.failed')
              : t('identity.verifying')}
        </Text>
        {message && (
          <Text className='body muted block' data-testid='identity-error-message'>
            {message}
          </Text>
        )}
        {status !== 'verifying' && (
          <View
            className='btn btn--primary btn--block'
            data-testid='identity-back'
            onClick={() => Taro.redirectTo({ url: PROFILE })}
          >
            {t('identity.backToProfile')}
          </View>
        )}
      </View>
    </PageShell>
  )
}
