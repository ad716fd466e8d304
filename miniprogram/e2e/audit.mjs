#!/usr/bin/env node
// e2e: demo-data   (tests/e2e/test_h5_flows.py loads the demo catalogue, sites, staff and residents first)
// e2e: timeout 300  (the audit visits every page four times; it takes about two minutes)
//
// The page audit: every page of src/app.config.ts, in 简体中文, 繁體中文, English and 简体中文 in care mode,
// as the demo resident `alice` and the demo staff who use it, with the data a real journey gives it
// (made through the API first: a case with a fee, an instantly approved case and its e-certificate,
// a free booking, a paid and an unpaid registration, a health card). On each page (lib/audit.mjs):
// no raw code in any visible text (`snake_case`, site codes such as QY-HALL, JSON braces), no English
// word on a Chinese page, every tap target at least 44 × 44 px. All violations of the run are
// collected and reported at the end, one line each; screenshots land in
// $E2E_SCREENSHOTS/<zh_Hans|zh_Hant|en|care>/<page>.png.
//
// Not visited: pages/identity/webview (mini-program only: WeChat's <web-view> around an outside page;
// H5 opens such pages in a new tab). pages/identity/bridge is visited as the resident sees it for a
// moment (its WeChat JS-SDK script, from another origin, is aborted like every outside request).
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runFlow } from './lib/harness.mjs'
import { firstBookable, nextDays, resident, STAFF_PASSWORD } from './lib/api.mjs'
import { auditPage, CHINESE_PAGE_ALLOW, describe, settlePage, trackRequests } from './lib/audit.mjs'
import { pngBytes } from './lib/files.mjs'

const RESIDENT = 'alice'
// pages of src/app.config.ts the audit does not open, and why (see the header)
const NOT_VISITED = { 'pages/identity/webview': 'mini-program only' }
const HALL = 'QY-HALL'
const HOSPITAL = 'QY-PEOPLE'
// the demo spot with its demo gate, window and manager accounts (server/demo)
const SPOT = 'QY-GULONGXIA'

const VARIANTS = [
  { name: 'zh_Hans', locale: 'zh_Hans', care: false, chinese: true },
  { name: 'zh_Hant', locale: 'zh_Hant', care: false, chinese: true },
  { name: 'en', locale: 'en', care: false, chinese: false },
  { name: 'care', locale: 'zh_Hans', care: true, chinese: true },
]

/** Every page of src/app.config.ts: the main package's and each subpackage's (root/page). */
async function appPages() {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const source = await readFile(path.join(here, '..', 'src', 'app.config.ts'), 'utf8')
  const pages = new Set()
  const roots = new Set()
  for (const [, root, list] of source.matchAll(/root:\s*'([^']+)',\s*pages:\s*\[([^\]]*)\]/g)) {
    roots.add(root)
    for (const [, page] of list.matchAll(/'([^']+)'/g)) pages.add(`${root}/${page}`)
  }
  for (const [, page] of source.matchAll(/'(pages\/[^']+)'/g)) if (!roots.has(page)) pages.add(page)
  return [...pages]
}

/** The journey's data, made through the API as the resident and staff would make it. */
async function prepare(base) {
  const alice = await resident(base, RESIDENT)
  // an instant item (秒批): approved and delivered as an e-certificate at once
  const instant = await alice.post('/api/v1/applications', { item_code: 'GG0001-441800', form: { purpose: 'loan' } })
  await alice.post(`/api/v1/applications/${instant.id}/submit`)
  const certificate = (await alice.get('/api/v1/certificates')).items.find((c) => c.data?.application_number === instant.number)
    ?? (await alice.get('/api/v1/certificates')).items[0]
  // a case with a government fee, submitted with its material, the fee not yet paid
  const feeCase = await alice.post('/api/v1/applications', { item_code: 'GG0008-441800', form: { contact_phone: '13800138000' } })
  await alice.upload(`/api/v1/applications/${feeCase.id}/materials`, { name: 'household.png', type: 'image/png', bytes: pngBytes() }, {
    material_code: 'household_register',
  })
  await alice.post(`/api/v1/applications/${feeCase.id}/submit`)

  // a free booking at the hall; a paid registration with dr-li; another one held, not yet paid (one
  // booking per person, service and day: a run on the same database keeps the earlier ones)
  const mine = (await alice.get('/api/v1/appointments')).items
  const open = (service, state) => mine.find((a) => a.service_id === service.id && a.state === state)
  const book = async (service, exceptDays = []) => {
    const { slot } = await firstBookable(alice, service.id, { exceptDays })
    return alice.post('/api/v1/appointments', { service_id: service.id, slot_id: slot.slot_id })
  }
  const general = (await alice.get(`/api/v1/appointments/sites/${HALL}`)).services.find((s) => s.code === 'general')
  const doctor = (await alice.get(`/api/v1/appointments/sites/${HOSPITAL}`)).services.find((s) => s.code === 'dr-li')
  const booked = open(general, 'booked') ?? (await book(general))
  const day = (a) => a.starts_at.slice(0, 10)
  const taken = mine.filter((a) => a.service_id === doctor.id).map(day)
  let paid = open(doctor, 'booked')
  if (!paid) {
    paid = await book(doctor, taken)
    taken.push(day(paid))
    await fetch(`${base}${paid.pay_params.complete_url}`, { method: 'POST' }) // the sandbox pay sheet's button
    await alice.post(`/api/v1/appointments/${paid.id}/payment/confirm`)
  }
  // the pay page needs the pay sheet's parameters, which come only with the booking: book afresh
  for (const stale of mine.filter((a) => a.service_id === doctor.id && a.state === 'pending_payment')) {
    await alice.post(`/api/v1/appointments/${stale.id}/cancel`)
  }
  const held = await book(doctor, taken)
  const order = (await alice.get('/api/v1/payments')).items.find((o) => o.purpose === `appointment:${paid.id}`)
  // the slot page and the confirmation for the next free slot
  const nextSlot = await firstBookable(alice, doctor.id, { exceptDays: [...taken, day(held)] })

  const card = (await alice.get('/api/v1/health-cards')).items.find((c) => !c.family_member_id) ?? (await alice.post('/api/v1/health-cards', {}))
  const tourism = await prepareTourism(base, alice)
  return { alice, instant, certificate, feeCase, booked, paid, held, order, doctor, nextSlot, card, ...tourism }
}

/**
 * 景区预约's journey: tickets for alice and her child at the demo spot, paid (the order and a ticket's
 * QR), and another day's order held for payment (the pay page); a complaint about the paid order. A
 * run on the same database keeps the orders it finds (one ticket per person, spot and day).
 */
async function prepareTourism(base, alice) {
  const child = (await alice.get('/api/v1/family')).items.find((m) => m.relation === 'child' && m.status === 'active')
  const visitors = [{ self: true }, ...(child ? [{ member_id: child.id }] : [])]
  const orders = (await alice.get('/api/v1/tourism/orders')).items.filter((o) => o.spot === SPOT)
  const live = (state) => orders.find((o) => o.tickets.length > 0 && o.tickets.every((t) => t.state === state))
  const taken = new Set(orders.filter((o) => o.tickets.some((t) => ['held', 'confirmed'].includes(t.state))).map((o) => o.day))
  const order = async () => {
    for (const day of nextDays()) {
      if (taken.has(day)) continue
      const { slots } = await alice.get(`/api/v1/tourism/spots/${SPOT}/days/${day}`)
      const slot = slots.find((s) => s.bookable)
      if (!slot) continue
      taken.add(day)
      return alice.post('/api/v1/tourism/orders', { spot: SPOT, slot_id: slot.slot_id, visitors })
    }
    throw new Error(`${SPOT} has no bookable slot in the next 7 days`)
  }
  let tickets = live('confirmed')
  if (!tickets) {
    tickets = await order()
    for (const p of tickets.payments) {
      const payment = await alice.get(`/api/v1/payments/${p.order_id}`)
      await fetch(`${base}${payment.pay_params.complete_url}`, { method: 'POST' }) // the sandbox pay sheet's button
    }
  }
  const unpaid = live('held') ?? (await order())
  const complaints = (await alice.get('/api/v1/tourism/complaints')).items
  if (!complaints.some((c) => c.order_id === tickets.id)) {
    await alice.post('/api/v1/tourism/complaints', { order_id: tickets.id, matter: '排队检票时间过长，现场没有引导。', complainants: 1 })
  }
  return { tickets, unpaid }
}

/** The pages, by who sees them. `name` names the screenshot; `route` is what a real journey opens. */
function pagesOf(d) {
  const q = encodeURIComponent
  return [
    {
      who: 'guest',
      pages: [
        ['home-guest', '/pages/index/index'],
        ['login', '/pages/login/index'],
        ['staff-login', '/pages/staff/login'],
        ['tourism-board', '/pages/tourism/board'],
      ],
    },
    {
      who: 'resident',
      pages: [
        ['home', '/pages/index/index'],
        ['profile', '/pages/profile/index'],
        ['family', '/pages/family/index'],
        ['family-add', '/pages/family/index?add=1'],
        ['soon', '/pages/soon/index?service=parking'],
        ['identity-callback-failed', '/pages/identity/callback'],
        ['identity-bridge', '/pages/identity/bridge'],
        ['office', '/pages/office/index'],
        ['office-item-fee', '/pages/office/item?code=GG0008-441800'],
        ['office-item-enterprise', '/pages/office/item?code=XK0001-441800'],
        ['office-apply', '/pages/office/apply?code=GG0008-441800'],
        ['office-apply-medical-aid', '/pages/office/apply?code=JF0004-441803'],
        ['applications', '/pages/applications/index'],
        ['application-fee', `/pages/applications/detail?id=${d.feeCase.id}`],
        ['application-delivered', `/pages/applications/detail?id=${d.instant.id}`],
        ['evaluation', `/pages/evaluations/new?target_type=service_request&target_id=${d.instant.id}`],
        ['wallet', '/pages/wallet/index'],
        ['certificates', '/pages/certificates/index'],
        ['certificate', `/pages/certificates/detail?id=${d.certificate.id}`],
        ['inbox', '/pages/inbox/index'],
        ['appointments', '/pages/appointments/index'],
        ['appointment-site', `/pages/appointments/site?code=${q(HOSPITAL)}`],
        ['appointment-slots', `/pages/appointments/slots?site=${q(HOSPITAL)}&service=${d.doctor.id}`],
        [
          'appointment-confirm',
          `/pages/appointments/confirm?site=${q(HOSPITAL)}&service=${d.doctor.id}&date=${d.nextSlot.date}&slot=${d.nextSlot.slot.slot_id}`,
        ],
        ['appointment-pay', `/pages/appointments/pay?id=${d.held.id}`],
        ['appointments-mine', '/pages/appointments/mine'],
        ['appointment-booked', `/pages/appointments/detail?id=${d.booked.id}`],
        ['appointment-paid', `/pages/appointments/detail?id=${d.paid.id}`],
        ['payments', '/pages/payments/index'],
        ['payment', `/pages/payments/detail?id=${d.order.id}`],
        ['healthcards', '/pages/healthcards/index'],
        ['healthcard', `/pages/healthcards/card?id=${d.card.id}`],
        ['healthcard-static', `/pages/healthcards/static?id=${d.card.id}`],
        ['healthcard-uses', `/pages/healthcards/uses?id=${d.card.id}`],
        ['tourism', '/pages/tourism/index'],
        ['tourism-spot', `/pages/tourism/spot?code=${q(SPOT)}`],
        ['tourism-book', `/pages/tourism/book?code=${q(SPOT)}`],
        ['tourism-pay', `/pages/tourism/pay?id=${d.unpaid.id}`],
        ['tourism-orders', '/pages/tourism/orders'],
        ['tourism-order', `/pages/tourism/order?id=${d.tickets.id}`],
        ['tourism-ticket', `/pages/tourism/ticket?id=${d.tickets.tickets[0].id}&order=${d.tickets.id}`],
        ['tourism-waitlist', '/pages/tourism/waitlist'],
        ['tourism-complaints', '/pages/tourism/complaints'],
        ['tourism-complaint-new', `/pages/tourism/complaints?order=${d.tickets.id}`],
      ],
    },
    {
      who: 'officer.qy',
      pages: [
        ['staff', '/pages/staff/index'],
        ['staff-case', `/pages/staff/case?id=${d.feeCase.id}`],
        ['staff-case-instant', `/pages/staff/case?id=${d.instant.id}`],
        ['staff-guardianship', '/pages/staff/guardianship'],
      ],
    },
    {
      who: 'hall.qy',
      pages: [
        ['frontline', '/pages/frontline/index'],
        ['frontline-calling', `/pages/frontline/calling?site=${q(HALL)}&type=A`],
        ['frontline-slots', '/pages/frontline/slots'],
        ['frontline-scan', '/pages/frontline/scan'],
      ],
    },
    {
      who: 'gate.gulongxia',
      pages: [
        ['spotstaff', '/pages/spotstaff/index'],
        ['spotstaff-gate', `/pages/spotstaff/gate?spot=${q(SPOT)}`],
      ],
    },
    {
      who: 'window.gulongxia',
      pages: [
        ['spotstaff-window', `/pages/spotstaff/window?spot=${q(SPOT)}`],
        ['spotstaff-sales', `/pages/spotstaff/sales?spot=${q(SPOT)}`],
      ],
    },
    {
      who: 'manager.gulongxia',
      pages: [
        ['spotstaff-dashboard', `/pages/spotstaff/dashboard?spot=${q(SPOT)}`],
        ['spotstaff-complaints', `/pages/spotstaff/complaints?spot=${q(SPOT)}`],
        ['spotstaff-manage', `/pages/spotstaff/manage?spot=${q(SPOT)}`],
      ],
    },
    {
      who: 'finance.qy',
      pages: [
        ['finance', '/pages/finance/index'],
        ['finance-refund', `/pages/finance/refund?id=${d.order.id}`],
        ['finance-reconciliation', '/pages/finance/reconciliation'],
      ],
    },
  ]
}

/** The language and care mode as the profile page sets them: kept on the device and on the server. */
async function usePreferences(h, variant, alice) {
  await h.page.evaluate(({ locale, care }) => {
    localStorage.setItem('palmcity.locale', JSON.stringify({ data: locale }))
    localStorage.setItem('palmcity.careMode', JSON.stringify({ data: care }))
  }, variant)
  if (alice) await alice.patch('/api/v1/me', { locale: variant.locale, care_mode: variant.care })
}

await runFlow('audit', async (h) => {
  const { page, config } = h
  const net = await trackRequests(page, config.base)
  const violations = []
  let visits = 0
  let targets = 0

  const data = await h.step('make the journey’s data through the API (cases, certificate, bookings, payment, card)', () =>
    prepare(config.base),
  )
  await h.open() // the app's origin, for its local storage
  for (const v of VARIANTS) await mkdir(path.join(config.screenshots, v.name), { recursive: true })

  /** Open a route in a fresh app load (no stack of earlier pages), let it settle, audit it. */
  async function visit(name, route, variant, allow) {
    visits += 1
    net.clear()
    await page.goto(`${config.base}/h5/?audit=${visits}#${route}`)
    const found = []
    try {
      await settlePage(page, net)
    } catch (err) {
      found.push({ kind: 'did not settle', text: String(err.message).split('\n')[0], hits: [], where: page.url() })
    }
    const audited = await auditPage(page, { chinese: variant.chinese, allow })
    found.push(...audited.found)
    targets += audited.measured
    await page.screenshot({ path: path.join(config.screenshots, variant.name, `${name}.png`), fullPage: true })
    for (const f of found) violations.push({ ...f, page: name, variant: variant.name })
    return found.length
  }

  await h.step('every page of src/app.config.ts is on the audit’s list', async () => {
    const listed = new Set(pagesOf(data).flatMap((g) => g.pages.map(([, route]) => route.slice(1).split('?')[0])))
    const missing = (await appPages()).filter((p) => !listed.has(p) && !NOT_VISITED[p])
    if (missing.length) throw new Error(`not audited: ${missing.join(', ')} (add them to pagesOf in e2e/audit.mjs)`)
  })

  // E2E_AUDIT_PAGES=<regex> audits only the pages whose names match (while fixing what it found)
  const only = process.env.E2E_AUDIT_PAGES ? new RegExp(process.env.E2E_AUDIT_PAGES) : null
  for (const group of pagesOf(data)) {
    group.pages = group.pages.filter(([name]) => !only || only.test(name))
    if (!group.pages.length) continue
    if (group.who === 'resident') {
      await h.login(RESIDENT)
      // as the app keeps them when it books (src/api/appointments.ts): the pay page reads them
      await page.evaluate(({ id, params }) => localStorage.setItem(`palmcity.payParams.${id}`, JSON.stringify({ data: params })), {
        id: data.held.id,
        params: data.held.pay_params,
      })
    } else if (group.who !== 'guest') {
      await h.step(`staff ${group.who} logs in at the staff login page`, async () => {
        await h.reopen('/pages/staff/login')
        await h.fill('staff-username', group.who)
        await h.fill('staff-password', STAFF_PASSWORD)
        await h.tap('staff-login-submit')
        await page.waitForURL((u) => !u.hash.startsWith('#/pages/staff/login'))
      })
    }
    // proper names a page may show as they are: the resident's own nickname (a name she chose)
    const allow = [...CHINESE_PAGE_ALLOW, RESIDENT]
    for (const variant of VARIANTS) {
      await h.step(`${group.who}: ${group.pages.length} pages in ${variant.name}`, async () => {
        await usePreferences(h, variant, group.who === 'resident' ? data.alice : null)
        let bad = 0
        for (const [name, route] of group.pages) bad += await visit(name, route, variant, allow)
        if (bad) console.log(`    ${bad} findings`)
      })
    }
  }

  await h.step(`${visits} page visits: no raw code, no English on a Chinese page, no tap target under 44 px`, async () => {
    console.log(`    ${targets} tap targets measured`)
    // every finding of the run at once, so that one run shows all there is to fix
    for (const v of violations) console.log(`    ${describe(v)}`)
    if (violations.length) throw new Error(`${violations.length} violations (listed above)`)
  })
})
