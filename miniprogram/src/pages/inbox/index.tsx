import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import PageShell from '../../components/PageShell'
import LoadState, { useLoad } from '../../components/LoadState'
import { loginFirst } from '../../components/auth'
import { listInbox, markRead, type InboxMessage } from '../../api'
import { useT } from '../../i18n'
import { formatDateTime } from '../../utils/format'

type Inbox = { items: InboxMessage[]; unread: number }

/** Inbox: messages about applications, certificates and ratings; tapping marks read and opens the link. */
export default function Inbox() {
  const t = useT()
  const load = useLoad<Inbox>(
    async () => {
      await loginFirst('/pages/inbox/index')
      return listInbox({ silent: true })
    },
    { when: 'show' },
  )

  async function open(m: InboxMessage) {
    if (!m.read_at) {
      try {
        await markRead(m.id)
        const now = new Date().toISOString()
        load.update((box) => ({
          items: box.items.map((x) => (x.id === m.id ? { ...x, read_at: now } : x)),
          unread: Math.max(0, box.unread - 1),
        }))
      } catch {
        /* toast shown */
      }
    }
    if (m.link) Taro.navigateTo({ url: m.link }).catch(() => undefined)
  }

  return (
    <PageShell testId='page-inbox' title={t('inbox.title')}>
      <LoadState load={load} testId='inbox' isEmpty={(box) => box.items.length === 0} empty={t('inbox.empty')}>
        {(box) => (
          <View className='card'>
            <View className='card__head'>
              <Text className='card__title'>{t('inbox.title')}</Text>
              {box.unread > 0 && <Text className='chip chip--warn' data-testid='inbox-unread'>{t('inbox.unread', { n: box.unread })}</Text>}
            </View>
            <View className='list'>
              {box.items.map((m) => (
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
          </View>
        )}
      </LoadState>
    </PageShell>
  )
}
