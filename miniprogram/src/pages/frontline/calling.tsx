import Taro, { useDidHide, useDidShow, useRouter, useUnload } from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useEffect, useRef, useState } from 'react'
import PageShell from '../../components/PageShell'
import StateBadge from '../../components/StateBadge'
import LoadState, { useLoad } from '../../components/LoadState'
import { useConfirm } from '../../components/ConfirmSheet'
import { requireStaff } from '../../components/staffAuth'
import { myWindow, setMyWindow, siteName } from '../../components/frontline'
import { callNext, queueTickets, recallTicket, serveTicket, skipTicket, type Ticket } from '../../api'
import { useT } from '../../i18n'
import { chinaParts } from '../../utils/format'
import '../office/office.css'
import '../appointments/appointments.css'

const REFRESH_MS = 5000

/**
 * The calling panel (叫号) of one business type at a site, for one window: the number being served
 * here shown large; call next (finishes the current one), skip (not there), recall a skipped number,
 * serve (finished); the numbers waiting, refreshed on a timer.
 */
export default function Calling() {
  const t = useT()
  const params = useRouter().params
  const site = decodeURIComponent(params.site ?? '')
  const type = decodeURIComponent(params.type ?? '')
  const [win, setWin] = useState(myWindow())
  const self = `/pages/frontline/calling?site=${encodeURIComponent(site)}&type=${encodeURIComponent(type)}`
  // the queue: a failed load says so with 重试 (it once read as "nobody waiting"); the timer refreshes it
  const tickets = useLoad(() => (requireStaff(self) ? queueTickets(site, type, { silent: true }) : new Promise<never>(() => undefined)), {
    when: 'show',
    deps: [site, type],
  })
  const [sheet, ask] = useConfirm()
  const [busy, setBusy] = useState(false)
  const [nobody, setNobody] = useState(false)
  const [visible, setVisible] = useState(true)
  const timer = useRef<ReturnType<typeof setInterval> | null>(null)

  const reload = tickets.reload

  useDidShow(() => setVisible(true))
  useDidHide(() => setVisible(false))
  useEffect(() => {
    if (!visible) return undefined
    timer.current = setInterval(reload, REFRESH_MS)
    return () => {
      if (timer.current) clearInterval(timer.current)
      timer.current = null
    }
  }, [visible, site, type])
  useUnload(() => {
    if (timer.current) clearInterval(timer.current)
  })

  const list = tickets.data ?? []
  // the number called to this window most recently
  const current = list
    .filter((x) => x.state === 'called' && x.window === win)
    .sort((a, b) => (b.called_at ?? '').localeCompare(a.called_at ?? ''))[0]
  const waiting = list.filter((x) => x.state === 'waiting')
  const skipped = list.filter((x) => x.state === 'skipped')
  const elsewhere = list.filter((x) => x.state === 'called' && x.window !== win)

  async function run(action: () => Promise<unknown>) {
    if (busy) return
    if (!win.trim()) {
      Taro.showToast({ title: t('front.windowRequired'), icon: 'none' })
      return
    }
    setBusy(true)
    try {
      await action()
      await reload()
    } catch {
      /* toast shown */
    } finally {
      setBusy(false)
    }
  }

  const next = () =>
    run(async () => {
      const called = await callNext(site, type, win.trim())
      setNobody(called === null)
    })

  // a skipped number leaves the queue: ask first (it can be recalled, but the person may be gone)
  async function skip(x: Ticket) {
    if (!(await ask({ title: t('front.skipAsk', { label: x.label }), body: t('front.skipAskBody'), confirmText: t('front.skip'), danger: true }))) return
    await run(() => skipTicket(x.id))
  }

  return (
    <PageShell testId='page-calling' title={t('front.callingTitle', { type })} className='staff'>
      <View className='staff-hero'>
        <Text className='staff-hero__title'>{t('front.callingTitle', { type })}</Text>
        <Text className='staff-hero__hint'>{siteName(site)}</Text>
      </View>
      <View className='card card--overlap'>
        <Text className='field__label'>{t('front.window')}</Text>
        <View className='field'>
          <Input
            className='field__input'
            data-testid='calling-window'
            value={win}
            maxlength={16}
            onInput={(e) => {
              setWin(e.detail.value)
              setMyWindow(e.detail.value.trim())
            }}
          />
        </View>
        <View
          className='queue-number queue-number--called'
          data-testid='calling-current'
          data-label={current?.label ?? ''}
          data-state={current ? 'called' : 'none'}
        >
          <Text className='caption muted block'>{t('front.nowServing')}</Text>
          <Text className='queue-number__label' data-testid='calling-current-label'>{current?.label ?? '—'}</Text>
          {!current && nobody && <Text className='body muted block' data-testid='calling-nobody'>{t('front.nobody')}</Text>}
        </View>
        <View className='calling-actions'>
          <View className={`btn btn--primary ${busy ? 'btn--busy' : ''}`} data-testid='call-next' onClick={next}>
            {t('front.callNext')}
          </View>
          {current && (
            <View className='btn btn--ghost' data-testid='call-recall-current' onClick={() => run(() => recallTicket(current.id, win.trim()))}>
              {t('front.recallCurrent')}
            </View>
          )}
          {current && (
            <View className='btn btn--ghost' data-testid='call-skip' onClick={() => skip(current)}>
              {t('front.skip')}
            </View>
          )}
          {current && (
            <View className='btn btn--ghost-ok' data-testid='call-serve' onClick={() => run(() => serveTicket(current.id))}>
              {t('front.serve')}
            </View>
          )}
        </View>
      </View>

      <View className='card' data-testid='calling-waiting'>
        <View className='card__head'>
          <Text className='card__title'>{t('front.waiting', { n: waiting.length })}</Text>
          <Text className='link' onClick={() => reload()}>{t('front.refresh')}</Text>
        </View>
        <LoadState load={tickets} testId='calling-queue' card={false} isEmpty={() => waiting.length === 0} empty={t('front.noneWaiting')}>
          {() => (
            <View className='list'>
              {waiting.map((x) => (
                <TicketRow key={x.id} x={x} />
              ))}
            </View>
          )}
        </LoadState>
      </View>

      {(skipped.length > 0 || elsewhere.length > 0) && (
        <View className='card' data-testid='calling-others'>
          <Text className='card__title'>{t('front.others')}</Text>
          <View className='list'>
            {[...elsewhere, ...skipped].map((x) => (
              <TicketRow key={x.id} x={x}>
                {x.state === 'skipped' && (
                  <View className='btn btn--small btn--ghost' data-testid='call-recall' data-label={x.label} onClick={() => run(() => recallTicket(x.id, win.trim()))}>
                    {t('front.recall')}
                  </View>
                )}
              </TicketRow>
            ))}
          </View>
        </View>
      )}
      {sheet}
    </PageShell>
  )
}

function TicketRow({ x, children }: { x: Ticket; children?: React.ReactNode }) {
  const t = useT()
  return (
    <View className='list__row' data-testid='ticket' data-label={x.label} data-state={x.state}>
      <Text className='ticket-row__label'>{x.label}</Text>
      <View className='list__main'>
        <Text className='caption muted block'>
          {x.appointment_id ? t('front.booked') : t('front.walkInShort')} · {chinaParts(x.issued_at).time}
          {x.window ? ` · ${t('front.windowN', { window: x.window })}` : ''}
        </Text>
      </View>
      {children ?? <StateBadge kind='ticket' state={x.state} label={x.state_label} testId='ticket-state' />}
    </View>
  )
}
