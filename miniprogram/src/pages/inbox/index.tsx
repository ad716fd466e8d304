import Taro, { useDidShow } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import PageShell from '../../components/PageShell'
import { requireLogin } from '../../components/auth'
import { listInbox, markRead, type InboxMessage } from '../../api'
import { useT } from '../../i18n'
import { formatDateTime } from '../../utils/format'
import '../office/office.css'

/** Inbox: messages about applications, certificates and ratings; tapping marks read and opens the link. */
export default function Inbox() {
  const t = useT()
  const [items, setItems] = useState<InboxMessage[] | null>(null)
  const [unread, setUnread] = useState(0)

  async function reload() {
    const res = await listInbox()
    setItems(res.items)
    setUnread(res.unread)
  }

  useDidShow(() => {
    if (!requireLogin('/pages/inbox/index')) return
    reload().catch(() => setItems([]))
  })

  async function open(m: InboxMessage) {
    if (!m.read_at) {
      try {
        await markRead(m.id)
        setItems((list) => (list ?? []).map((x) => (x.id === m.id ? { ...x, read_at: new Date().toISOString() } : x)))
        setUnread((n) => Math.max(0, n - 1))
      } catch {
        /* toast shown */
      }
    }
    if (m.link) Taro.navigateTo({ url: m.link }).catch(() => undefined)
  }

  return (
    <PageShell testId='page-inbox' title={t('inbox.title')}>
      <View className='card'>
        <View className='card__head'>
          <Text className='card__title'>{t('inbox.title')}</Text>
          {unread > 0 && <Text className='chip chip--warn' data-testid='inbox-unread'>{t('inbox.unread', { n: unread })}</Text>}
        </View>
        {items === null ? (
          <Text className='body muted'>{t('common.loading')}</Text>
        ) : items.length === 0 ? (
          <Text className='body muted' data-testid='inbox-empty'>{t('inbox.empty')}</Text>
        ) : (
          <View className='list'>
            {items.map((m) => (
              <View
                key={m.id}
                className='list__row list__row--tap'
                data-testid='message'
                data-kind={m.kind}
                data-read={m.read_at ? 'true' : 'false'}
                onClick={() => open(m)}
              >
                {!m.read_at && <View className='dot' />}
                <View className='list__main list__main--flush'>
                  <Text className={`list__title block ${m.read_at ? 'muted' : ''}`}>{m.title}</Text>
                  <Text className='body block'>{m.body}</Text>
                  <Text className='caption muted block'>{formatDateTime(m.created_at)}</Text>
                </View>
                {m.link && <Text className='list__arrow'>›</Text>}
              </View>
            ))}
          </View>
        )}
      </View>
    </PageShell>
  )
}
