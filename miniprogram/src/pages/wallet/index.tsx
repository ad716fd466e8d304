import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import type { ReactNode } from 'react'
import PageShell from '../../components/PageShell'
import HealthCardFace from '../../components/HealthCardFace'
import CertificateCard from '../../components/CertificateCard'
import AppointmentRow from '../../components/AppointmentRow'
import LoadState, { useLoad, type Load } from '../../components/LoadState'
import { loginFirst } from '../../components/auth'
import { beingRefunded } from '../../components/appointmentMoney'
import { listAppointments, listCertificates, listFamily, listHealthCards, listTicketOrders, type Appointment, type FamilyMember } from '../../api'
import { useT, type MessageKey } from '../../i18n'
import { useLocale } from '../../store/settings'
import { chinaParts, chinaToday } from '../../utils/format'
import { labelOf } from '../../utils/labels'
import '../healthcards/healthcards.css'
import './wallet.css'

const SELF = '/pages/wallet/index'
const go = (url: string) => Taro.navigateTo({ url })
// a pass is worth showing while it can still be used at the site: not once its fee is being (or
// was) given back in full, which cancels the booking a moment later (the site refuses the pass)
const PASS_STATES = ['booked', 'checked_in']
const usablePass = (a: Appointment) => PASS_STATES.includes(a.state) && !beingRefunded(a)

/** A ticket worth showing: confirmed (not yet used), for today or a day to come. */
const usableTicket = (state: string, day: string) => state === 'confirmed' && day >= chinaToday()

/** One kind of card: its title, and its own loading / failed-with-retry / empty states. */
function Section<T>({ title, testId, load, empty, emptyAction, children }: {
  title: string
  testId: string
  load: Load<T[]>
  empty: string
  emptyAction?: ReactNode
  children: (items: T[]) => ReactNode
}) {
  return (
    <View className='card' data-testid={testId}>
      <Text className='card__title'>{title}</Text>
      <LoadState load={load} testId={testId} card={false} isEmpty={(items) => items.length === 0} empty={empty} emptyAction={emptyAction}>
        {children}
      </LoadState>
    </View>
  )
}

/**
 * 卡包: everything the resident shows at a counter, in one place: the health cards (theirs and their
 * family members'), booked appointments' passes, scenic spots' tickets (each with its entry QR) and
 * e-certificates. Each opens its own page with the
 * QR code or the certificate.
 */
export default function CardWallet() {
  const t = useT()
  const locale = useLocale()
  const show = { when: 'show' as const, deps: [locale] }
  const cards = useLoad(async () => {
    await loginFirst(SELF)
    const [found, family] = await Promise.all([listHealthCards({ silent: true }), listFamily().catch(() => [] as FamilyMember[])])
    const who = (memberId: number | null) => {
      const m = family.find((f) => Number(f.id) === memberId)
      return m ? t(`family.relation.${m.relation}` as MessageKey) : memberId ? '' : t('hc.self')
    }
    return found.filter((c) => c.state !== 'revoked').map((card) => ({ card, who: who(card.family_member_id) }))
  }, show)
  const passes = useLoad(async () => {
    await loginFirst(SELF)
    return (await listAppointments({ silent: true })).filter(usablePass)
  }, show)
  const tickets = useLoad(async () => {
    await loginFirst(SELF)
    const orders = await listTicketOrders({ silent: true })
    return orders.flatMap((o) => o.tickets.filter((tk) => usableTicket(tk.state, o.day)).map((ticket) => ({ order: o, ticket })))
  }, show)
  const certificates = useLoad(async () => {
    await loginFirst(SELF)
    return listCertificates({ silent: true })
  }, show)

  return (
    <PageShell testId='page-cards' title={t('cards.title')}>
      <Section
        title={t('cards.healthCards')}
        testId='cards-health'
        load={cards}
        empty={t('cards.healthCardsEmpty')}
        emptyAction={<View className='btn btn--ghost btn--block' data-testid='cards-get-health-card' onClick={() => go('/pages/healthcards/index')}>{t('cards.getHealthCard')}</View>}
      >
        {(items) => (
          <View className='hcards'>
            {items.map(({ card, who }) => (
              <HealthCardFace key={card.id} card={card} who={who} onClick={() => go(`/pages/healthcards/card?id=${card.id}`)} />
            ))}
          </View>
        )}
      </Section>
      <Section
        title={t('cards.passes')}
        testId='cards-passes'
        load={passes}
        empty={t('cards.passesEmpty')}
        emptyAction={<View className='btn btn--ghost btn--block' data-testid='cards-book' onClick={() => go('/pages/appointments/index')}>{t('cards.book')}</View>}
      >
        {(items) => (
          <View className='list'>
            {items.map((a) => (
              <AppointmentRow key={a.id} a={a} testId='cards-pass' onTap={() => go(`/pages/appointments/detail?id=${a.id}`)} />
            ))}
          </View>
        )}
      </Section>
      <Section
        title={t('cards.tickets')}
        testId='cards-tickets'
        load={tickets}
        empty={t('cards.ticketsEmpty')}
        emptyAction={<View className='btn btn--ghost btn--block' data-testid='cards-book-tickets' onClick={() => go('/pages/tourism/index')}>{t('tourism.goBook')}</View>}
      >
        {(items) => (
          <View className='list'>
            {items.map(({ order, ticket }) => (
              <View
                key={ticket.id}
                className='list__row list__row--tap'
                data-testid='cards-ticket'
                data-id={ticket.id}
                onClick={() => go(`/pages/tourism/ticket?id=${ticket.id}&order=${order.id}`)}
              >
                <View className='list__main'>
                  <Text className='list__title block'>{order.spot_name}</Text>
                  <Text className='caption muted block'>
                    {`${chinaParts(order.starts_at).date} ${chinaParts(order.starts_at).time} · ${ticket.name_masked ?? ticket.document_masked} · ${labelOf(t, ticket.category, ticket.category_label, 'tourism.category')}`}
                  </Text>
                </View>
                <Text className='list__arrow'>›</Text>
              </View>
            ))}
          </View>
        )}
      </Section>
      <Section title={t('cards.certificates')} testId='cards-certificates' load={certificates} empty={t('cards.certificatesEmpty')}>
        {(items) => (
          <View className='wallet'>
            {items.map((c) => (
              <CertificateCard key={c.id} cert={c} onClick={() => go(`/pages/certificates/detail?id=${c.id}`)} />
            ))}
          </View>
        )}
      </Section>
    </PageShell>
  )
}
