#!/usr/bin/env node
// e2e: demo-data   (tests/e2e/test_h5_flows.py loads the demo spots, staff and residents first)
// e2e: worker      (paid tickets are confirmed by the payments' outbox jobs: a worker runs beside the server)
// e2e: china-hours (outside 09:00–15:00 China time the server, worker and seed run at 10:00 of the same
//                   China date, so that a slot of today is still to come and the gate steps always run)
//
// 景区预约, the whole visit: the demo resident `alice` books the demo spot 古龙峡 (QY-GULONGXIA) for
// herself and her child (the child's half price shown and explained), pays each ticket through the
// sandbox pay sheet and opens a ticket's entry QR. The spot's gate (`gate.gulongxia`, a second
// browser) admits her ticket by its QR and the gate's second scanner (an API call, as a second gate)
// admits the child's; one of them leaves by the exit button. Alice then cancels the second ticket of
// another order and sees what comes back before confirming. Last, the crowd: a scanner of the
// museum (QY-MUSEUM, the smallest demo limit, made by the demo admin) counts visitors in until its
// level rises, and the public crowd board, left open, shows the new level on its own refresh.
//
// A ticket is admitted only on its day, so the flow books today, and the gate admits today's tickets.
// It admits only within its entry window too (the spot's rules: by default from 30 minutes before its
// slot until the slot ends): the gate first refuses her ticket, booked for a slot an hour or more
// ahead, showing the window; then the spot's manager sets the spot's window to the whole day.
// The demo spot opens 09:00–17:00 China time; the pytest hook (tests/e2e/test_h5_flows.py, `e2e:
// china-hours`) shifts the server's clock into those hours when the run is outside them, keeping the
// China date, so the browser's dates (today, the coming week) are the server's. What has begun or can
// be booked is the server's word (`bookable`, `started`), never this machine's clock. Run by hand on a
// server outside those hours, or again on a database where she already holds today's ticket, the flow
// fails saying so (the other order takes the week's last free day, so a run on a later day can pass).
import { launchBrowser, runFlow } from './lib/harness.mjs'
import { nextDays, resident, staff, STAFF_PASSWORD } from './lib/api.mjs'

const RESIDENT = 'alice'
const SPOT = 'QY-GULONGXIA'
const SMALL_SPOT = 'QY-MUSEUM'
const GATE = 'gate.gulongxia'
// the levels' thresholds in percent of the limit (the default ladder, domain/tourism/crowd.py)
const LADDER = [
  ['yellow', 80],
  ['orange', 90],
  ['red', 100],
]

function assert(ok, message) {
  if (!ok) throw new Error(message)
}

const chinaToday = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
const LIVE = ['held', 'confirmed', 'used']

/** The days (today first) on which alice holds no live ticket at the spot: one per person and day.
 * Dates are the browser's China dates: the server's clock may be shifted, but within the same date. */
async function freeDays(alice) {
  const mine = (await alice.get('/api/v1/tourism/orders')).items.filter((o) => o.spot === SPOT)
  const held = new Set(mine.filter((o) => o.tickets.some((t) => LIVE.includes(t.state))).map((o) => o.day))
  return [chinaToday(), ...nextDays(6)].filter((d) => !held.has(d))
}

/** A slot of `day` that can be booked by the server's word (`bookable`: open, not begun, places
 * left), or null. Today's first bookable slot may begin within the minute: the one after it is taken
 * when there is one, so that the booking does not race the slot's start. */
async function openSlot(api, day) {
  const found = await api.get(`/api/v1/tourism/spots/${SPOT}/days/${day}`).catch(() => null)
  const bookable = (found?.slots ?? []).filter((s) => s.bookable)
  return (day === chinaToday() ? bookable[1] : null) ?? bookable[0] ?? null
}

/** The first of `days` with a slot that can still be booked. */
async function firstOpen(api, days) {
  for (const day of days) {
    const slot = await openSlot(api, day)
    if (slot) return { day, slot }
  }
  throw new Error(`${SPOT} has no bookable slot in the coming week`)
}

/** Pay each priced ticket of an order as the sandbox pay sheet does (its button POSTs complete_url). */
async function payAll(base, api, order) {
  for (const p of order.payments) {
    const payment = await api.get(`/api/v1/payments/${p.order_id}`)
    if (payment.state !== 'pending') continue
    const res = await fetch(`${base}${payment.pay_params.complete_url}`, { method: 'POST' })
    assert(res.ok, `sandbox pay ${res.status}`)
  }
}

await runFlow('tourism', async (h) => {
  const { page, config } = h
  const base = config.base
  const alice = await resident(base, RESIDENT)
  const child = (await alice.get('/api/v1/family')).items.find((m) => m.relation === 'child' && m.status === 'active')
  assert(child, 'the demo resident alice has an active child')
  // today: the gate admits a ticket on its day only
  const day = chinaToday()
  assert((await freeDays(alice)).includes(day), `alice already holds a ticket of today (${day}) at ${SPOT}: an earlier run on this database; run on a fresh one`)
  const slot = await openSlot(alice, day)
  assert(slot, `no slot of today (${day}) at ${SPOT} can be booked: the server's China time is past the spot's hours (tests/e2e/test_h5_flows.py shifts its clock: e2e: china-hours)`)
  assert(!slot.started, `the server offers a slot that has begun: ${JSON.stringify(slot)}`)

  await h.login(RESIDENT)

  await h.step('home → 景区门票: the spots with their crowd level; 古龙峡 → its page', async () => {
    await h.tap('entry-tickets')
    await h.see('page-tourism')
    await h.page.waitForSelector(`[data-testid="spot"][data-code="${SPOT}"]`)
    await h.page.waitForSelector(`[data-testid="spot"][data-code="${SPOT}"] [data-testid="crowd-level"]`)
    await h.screenshot('tourism-spots')
    await h.page.click(`[data-testid="spot"][data-code="${SPOT}"]`)
    await h.see('page-tourism-spot')
    await h.waitText('spot-daily-max', '20000')
    await h.see('price-row')
    await h.screenshot('spot-page')
  })

  await h.step(`book today (${day}) for herself and her child: the child's half price explained`, async () => {
    await h.tap('spot-book')
    await h.see('page-tourism-book')
    await h.tap(`day-${day}`)
    await h.waitAttr(`day-${day}`, 'data-status', 'open')
    // the page offers the slot as the server does (its `bookable`, not the browser's clock)
    await page.waitForSelector(`[data-testid="slot"][data-slot-id="${slot.slot_id}"][data-bookable="true"]`)
    await h.page.click(`[data-testid="slot"][data-slot-id="${slot.slot_id}"]`)
    await h.waitAttr('visitor-self', 'data-selected', 'true')
    await h.tap(`visitor-m${child.id}`)
    await h.waitAttr(`visitor-m${child.id}`, 'data-selected', 'true')
    await h.page.waitForFunction(() => document.querySelectorAll('[data-testid="quote-line"]').length === 2)
    const lines = await page.$$eval('[data-testid="quote-line"]', (els) =>
      els.map((e) => ({ category: e.getAttribute('data-category'), amount: Number(e.getAttribute('data-amount')), text: e.textContent })),
    )
    assert(lines[0].category === 'adult' && lines[0].amount === 9800, `her line: ${JSON.stringify(lines[0])}`)
    assert(lines[1].category === 'minor' && lines[1].amount === 4900, `the child's line: ${JSON.stringify(lines[1])}`)
    assert(/50%/.test(lines[1].text), `the child's explanation names the half price: ${lines[1].text}`)
    await h.waitAttr('quote-total', 'data-amount', '14700')
    await h.screenshot('book-quote')
  })

  let orderId
  await h.step('submit, the pay page asks first (¥147.00), the sandbox pays both tickets: confirmed', async () => {
    await h.tap('book-submit')
    await h.see('page-tourism-pay')
    await h.waitText('pay-amount', '147.00')
    await h.screenshot('pay')
    await h.tap('pay-submit')
    await h.waitText('pay-confirm-amount', '¥147.00')
    await h.tap('pay-confirm-confirm')
    await h.see('page-tourism-order')
    orderId = Number(await (await h.see('order-head')).getAttribute('data-id'))
    // the payments' notices confirm the tickets: the page shows them once they are
    for (let i = 0; i < 20; i++) {
      const states = await page.$$eval('[data-testid="ticket"]', (els) => els.map((e) => e.getAttribute('data-state')))
      if (states.length === 2 && states.every((s) => s === 'confirmed')) break
      await page.waitForTimeout(500)
      await h.reopen(`/pages/tourism/order?id=${orderId}`)
      await h.see('order-head')
    }
    await page.waitForSelector('[data-testid="ticket"][data-state="confirmed"][data-category="minor"]')
    await h.screenshot('order-paid')
  })

  let token
  await h.step('her ticket’s entry QR: a dynamic code with its countdown', async () => {
    await page.click('[data-testid="ticket"][data-category="adult"] [data-testid="ticket-qr"]')
    await h.see('page-tourism-ticket')
    await h.waitAttr('ticket-credential', 'data-state', 'shown')
    await h.see('ticket-credential-countdown')
    token = await (await h.see('ticket-credential')).getAttribute('data-token')
    assert(token && token.startsWith('PC:'), `token ${token}`)
    await h.screenshot('ticket-qr')
  })

  await h.step('卡包 lists both tickets; one opens its entry QR', async () => {
    await h.reopen('/pages/wallet/index')
    await h.see('cards-tickets')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="cards-ticket"]').length >= 2)
    await h.screenshot('wallet-tickets')
    // her own ticket's (the gate scans the code on her screen next)
    const adult = (await alice.get(`/api/v1/tourism/orders/${orderId}`)).tickets.find((t) => t.category === 'adult')
    await page.click(`[data-testid="cards-ticket"][data-id="${adult.id}"]`)
    await h.see('page-tourism-ticket')
    await h.waitAttr('ticket-credential', 'data-state', 'shown')
  })

  const second = await launchBrowser()
  const s = h.forPage(second.page)
  try {
    await s.step(`${GATE} logs in: the spot desk → 检票`, async () => {
      await s.reopen('/pages/staff/login')
      await s.fill('staff-username', GATE)
      await s.fill('staff-password', STAFF_PASSWORD)
      await s.tap('staff-login-submit')
      await s.see('page-spotstaff')
      await s.tap('spotstaff-gate')
      await s.see('page-spotstaff-gate')
      await s.see('gate-count')
    })
    const before = Number(await (await s.see('gate-count')).getAttribute('data-inside'))

    await s.step('gate 1 checks the QR before its entry window: refused with the window, nobody counted', async () => {
      // The booked slot is today's second bookable one, an hour or more ahead: by the spot's rules
      // (the default: from 30 minutes before the slot until it ends) its ticket does not admit yet.
      token = await (await h.see('ticket-credential')).getAttribute('data-token')
      await s.fill('gate-token', token)
      await s.tap('gate-submit')
      await s.waitAttr('gate-result', 'data-ok', 'false')
      await s.waitAttr('gate-result', 'data-code', 'ticket_not_yet')
      await s.waitText('gate-line-0', '–')
      await s.see('gate-message')
      await s.page.waitForSelector(`[data-testid="gate-count"][data-inside="${before}"]`)
      await s.screenshot('gate-not-yet')
      // The spot's manager lets the day's tickets in at any hour of their day (its rules, as data):
      // the rest of the flow admits now.
      const manager = await staff(base, 'manager.gulongxia')
      const { rules } = await manager.get(`/api/v1/staff/tourism/spots/${SPOT}/settings`)
      const set = await manager.put(`/api/v1/staff/tourism/spots/${SPOT}/rules`, {
        rules: { ...rules, entry: { early_minutes: 1440, late_minutes: null } },
      })
      assert(set.rules.entry.late_minutes === null, `the spot's entry window set: ${JSON.stringify(set.rules.entry)}`)
    })

    await s.step('gate 1 checks the QR on her screen: admitted, adult, inside +1', async () => {
      // read now: the code on her screen is replaced before it expires
      token = await (await h.see('ticket-credential')).getAttribute('data-token')
      await s.fill('gate-token', token)
      await s.tap('gate-submit')
      await s.waitAttr('gate-result', 'data-ok', 'true')
      await s.waitText('gate-result', '成人')
      await s.page.waitForSelector(`[data-testid="gate-count"][data-inside="${before + 1}"]`)
      await s.screenshot('gate-admitted')
    })

    await s.step('gate 2 (a second scanner, through the API) admits the child by her QR; the same QR again is refused', async () => {
      const gate2 = await staff(base, GATE)
      const devices = (await gate2.get('/api/v1/staff/scanner-devices')).items
      const device = devices.find((d) => d.site === SPOT && d.name === '检票口 2') ?? (await gate2.post('/api/v1/staff/scanner-devices', { site: SPOT, name: '检票口 2' }))
      const order = await alice.get(`/api/v1/tourism/orders/${orderId}`)
      const childTicket = order.tickets.find((t) => t.category === 'minor')
      const code = await alice.get(`/api/v1/tourism/tickets/${childTicket.id}/credential`)
      const scan = await gate2.post('/api/v1/staff/scans', { device: device.code, code: code.token })
      assert(scan.outcome === 'admitted' && scan.shown.category === 'minor', `child admitted: ${JSON.stringify(scan).slice(0, 300)}`)
      const again = await gate2.post('/api/v1/staff/scans', { device: device.code, code: code.token }).then(
        () => null,
        (err) => err,
      )
      assert(again && again.status >= 400, 'the same QR twice is refused')
      await s.tap('gate-exit') // reads the count afresh afterwards
      await s.waitAttr('gate-result', 'data-ok', 'true')
      await s.page.waitForSelector(`[data-testid="gate-count"][data-inside="${before + 1}"]`)
      await s.screenshot('gate-exit')
    })
  } finally {
    await second.close()
  }

  await h.step('her order shows both tickets used', async () => {
    await h.reopen(`/pages/tourism/order?id=${orderId}`)
    await page.waitForSelector('[data-testid="ticket"][data-state="used"][data-category="adult"]')
    await page.waitForSelector('[data-testid="ticket"][data-state="used"][data-category="minor"]')
    await h.screenshot('order-used')
  })

  await h.step('another order (the week’s last free day, both paid); she cancels its second ticket: the sheet shows the refund first', async () => {
    // the last free day, not tomorrow: a run tomorrow on this database then finds its today free
    const other = await firstOpen(alice, (await freeDays(alice)).filter((d) => d !== day).reverse())
    const order = await alice.post('/api/v1/tourism/orders', { spot: SPOT, slot_id: other.slot.slot_id, visitors: [{ self: true }, { member_id: child.id }] })
    await payAll(base, alice, order)
    for (let i = 0; i < 20; i++) {
      const now = await alice.get(`/api/v1/tourism/orders/${order.id}`)
      if (now.tickets.every((t) => t.state === 'confirmed')) break
      await new Promise((r) => setTimeout(r, 300))
    }
    const second = order.tickets[1]
    const preview = await alice.get(`/api/v1/tourism/tickets/${second.id}/refund`)
    await h.reopen('/pages/tourism/orders')
    await page.click(`[data-testid="ticket-order"][data-id="${order.id}"]`)
    await h.see('page-tourism-order')
    await page.click(`[data-testid="ticket"][data-id="${second.id}"] [data-testid="ticket-cancel"]`)
    await h.waitText('cancel-ticket-amount', `¥${(preview.refund_fen / 100).toFixed(2)}`)
    await h.screenshot('refund-preview')
    await h.tap('cancel-ticket-confirm')
    await page.waitForSelector(`[data-testid="ticket"][data-id="${second.id}"][data-state="cancelled"]`)
    await page.waitForSelector(`[data-testid="ticket"][data-id="${order.tickets[0].id}"][data-state="confirmed"]`)
    // the payments module settles the cancellation by the order's refund tier (its outbox job)
    const paymentId = order.payments.find((p) => p.ticket_id === second.id).order_id
    let refunds = []
    for (let i = 0; i < 40 && refunds.length === 0; i++) {
      refunds = (await alice.get(`/api/v1/payments/${paymentId}`)).refunds
      if (refunds.length === 0) await new Promise((r) => setTimeout(r, 250))
    }
    assert(refunds.length === 1 && refunds[0].amount_fen === preview.refund_fen, `refunded as previewed: ${JSON.stringify(refunds)}`)
    await h.screenshot('ticket-cancelled')
  })

  await h.step(`the public crowd board for ${SMALL_SPOT}, then visitors counted in until its level rises; the board refreshes to it`, async () => {
    const board = async () => (await (await fetch(`${base}/api/v1/tourism/crowd`)).json()).spots.find((x) => x.code === SMALL_SPOT)
    const now = await board()
    const next = LADDER.find(([, percent]) => (now.inside * 100) / now.limit < percent)
    assert(next, `${SMALL_SPOT} is already full`)
    const [level, percent] = next
    await h.reopen(`/pages/tourism/board?spot=${SMALL_SPOT}`)
    await page.waitForSelector(`[data-testid="board-spot"][data-code="${SMALL_SPOT}"][data-level="${now.level}"]`)
    await h.screenshot('board-before')
    // a scanner of the museum, made by the demo admin (the demo gives the museum none)
    const admin = await staff(base, 'admin')
    const username = `gate.museum.${Date.now() % 1_000_000}`
    await admin.post('/api/v1/staff/accounts', {
      username,
      display_name: '博物馆检票员（e2e）',
      password: STAFF_PASSWORD,
      roles: ['scanner'],
      scopes: [SMALL_SPOT],
    })
    const gate = await staff(base, username)
    let inside = now.inside
    const wanted = Math.ceil((percent * now.limit) / 100)
    // a few gates at once (every entry serialises on the day's row); a 503 (the server busy on a
    // shared machine) is tried again, as a gate would
    const enter = async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await gate.post(`/api/v1/staff/tourism/spots/${SMALL_SPOT}/entries`)
        } catch (err) {
          if (err.status !== 503 || attempt >= 5) throw err
          await new Promise((r) => setTimeout(r, 500 * (attempt + 1)))
        }
      }
    }
    while (inside < wanted) {
      const counts = await Promise.all(Array.from({ length: Math.min(4, wanted - inside) }, enter))
      inside = Math.max(...counts.map((c) => c.inside))
    }
    console.log(`    ${wanted - now.inside} entries: ${inside} of ${now.limit} inside, ${level}`)
    // the board reads again every 15 seconds on its own
    await page.waitForSelector(`[data-testid="board-spot"][data-code="${SMALL_SPOT}"][data-level="${level}"]`, { timeout: 40_000 })
    await h.screenshot('board-after')
  })
})
