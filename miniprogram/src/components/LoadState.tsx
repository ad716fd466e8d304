import { Text, View } from '@tarojs/components'
import { useDidShow } from '@tarojs/taro'
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react'
import { errorMessage } from '../api'
import { useT } from '../i18n'

/** What a page knows of something it loads: still loading, failed (with why), or the data. */
export interface Load<T> {
  data: T | null
  error: string | null
  loading: boolean
  reload: () => Promise<void>
  /** change the data in place (after an action the page knows the outcome of) */
  update: (change: (data: T) => T) => void
}

/**
 * Load data for a page and keep loading, failure and data apart. `fetch` should be silent (no
 * toast): the page shows the failure itself, with 重试. `when: 'show'` loads again each time the page
 * shows (lists that change behind it); `deps` reload when they change. A failed reload keeps the
 * data already shown.
 */
export function useLoad<T>(fetch: () => Promise<T>, opts: { when?: 'mount' | 'show'; deps?: unknown[]; skip?: boolean } = {}): Load<T> {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const fetchRef = useRef(fetch)
  fetchRef.current = fetch
  const reload = useCallback(async () => {
    if (opts.skip) return
    setLoading(true)
    setError(null)
    try {
      setData(await fetchRef.current())
    } catch (err) {
      setError(errorMessage(err))
    } finally {
      setLoading(false)
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opts.skip])
  const showing = opts.when === 'show'
  const mounted = useRef(false)
  useDidShow(() => {
    if (showing) reload()
  })
  useEffect(() => {
    // on mount a showing page loads through useDidShow; afterwards only changed deps reload it, and
    // what was shown for the old deps (another queue, another language) goes first
    if (mounted.current) setData(null)
    if (!showing || mounted.current) reload()
    mounted.current = true
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, opts.deps ?? [])
  const update = useCallback((change: (current: T) => T) => setData((d) => (d === null ? d : change(d))), [])
  return { data, error, loading, reload, update }
}

interface Props<T> {
  load: Load<T>
  /** what the page shows with the data */
  children: (data: T) => ReactNode
  /** the data is there but holds nothing: this text (and `emptyAction`) instead of `children` */
  isEmpty?: (data: T) => boolean
  empty?: string
  emptyAction?: ReactNode
  /** test ids: `<testId>-loading`, `<testId>-error`, `<testId>-retry`, `<testId>-empty` */
  testId: string
  /** wrap the states in a card (pages whose content is cards themselves pass false) */
  card?: boolean
}

/**
 * The three states every loaded page has, kept apart: loading, failed (the reason and 重试, never
 * an empty list), empty (said in words, with what to do next), or the data.
 */
export default function LoadState<T>({ load, children, isEmpty, empty, emptyAction, testId, card = true }: Props<T>) {
  const t = useT()
  const wrap = (node: ReactNode) => (card ? <View className='card'>{node}</View> : node)
  if (load.data === null && load.error) {
    return wrap(
      <View className='load-state load-state--error' data-testid={`${testId}-error`}>
        <Text className='load-state__title block'>{t('load.failed')}</Text>
        <Text className='caption muted block'>{load.error}</Text>
        <View className={`btn btn--ghost btn--block ${load.loading ? 'btn--busy' : ''}`} data-testid={`${testId}-retry`} onClick={() => !load.loading && load.reload()}>
          {t('common.retry')}
        </View>
      </View>,
    )
  }
  if (load.data === null) {
    return wrap(
      <Text className='body muted block load-state' data-testid={`${testId}-loading`}>
        {t('common.loading')}
      </Text>,
    )
  }
  if (isEmpty?.(load.data)) {
    return wrap(
      <View className='load-state' data-testid={`${testId}-empty`}>
        <Text className='body muted block'>{empty}</Text>
        {emptyAction}
      </View>,
    )
  }
  return <>{children(load.data)}</>
}
