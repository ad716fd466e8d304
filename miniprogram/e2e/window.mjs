#!/usr/bin/env node
// e2e: demo-data   (tests/e2e/test_h5_flows.py loads the demo spots and staff first: window.gulongxia)
// e2e: worker      (a WeChat sale's tickets are confirmed by the payments' outbox jobs: a worker runs beside the server)
// e2e: china-hours (outside 09:00–15:00 China time the server, worker and seed run at 10:00 of the same
//                   China date, so that the window has a slot of today to sell)
//
// 人工售票窗口, a walk-in's whole day at the counter: the demo seller `window.gulongxia` logs in, sells
// two tickets of 古龙峡 (QY-GULONGXIA) for today's last slot, for cash, to a walk-in couple (their ID
// card numbers typed at the counter), then one by WeChat Pay, which the visitor pays by the code on
// the seller's screen (the sandbox pay desk behind the page's sandbox link); the screen sees it
// settle and the ticket valid. An hour later the couple comes back: the seller opens 今日售票, where
// today's list shows their cash sale (newest first, the WeChat sale above it) and 查找售票 finds it
// by an ID number; the seller opens it from the list and gives one ticket back: the sheet shows what
// comes back first (the order's refund rules), then the page shows the cash to hand back. What the
// page waits for is what the server says (the sale's rows, the payment settled), never a sleep.
import { runFlow } from './lib/harness.mjs'
import { staff, STAFF_PASSWORD } from './lib/api.mjs'
import { makeIdNumber, randomChineseName } from './lib/idcard.mjs'

const SPOT = 'QY-GULONGXIA'
const SELLER = 'window.gulongxia'
const ADULT_FEN = 9800 // the demo spot's full price (server/demo/tourism.py)

function assert(ok, message) {
  if (!ok) throw new Error(message)
}

const chinaToday = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
const yuan = (fen) => (fen / 100).toFixed(2)

await runFlow('window', async (h) => {
  const { page, config } = h
  const base = config.base
  const seller = await staff(base, SELLER)
  const day = await seller.get(`/api/v1/tourism/spots/${SPOT}/days/${chinaToday()}`)
  assert(day.slots.length > 0, `${SPOT} takes no entries today (${chinaToday()}): run on the demo data`)
  // adults of different years: three different people, each with one ticket a day
  const couple = [
    { number: makeIdNumber({ birth: '19780312' }), name: randomChineseName() },
    { number: makeIdNumber({ birth: '19800521' }), name: randomChineseName() },
  ]
  const payer = { number: makeIdNumber({ birth: '19921103' }), name: randomChineseName() }

  async function addVisitor(v) {
    await h.tap('walk-in-kind-resident_id')
    await h.fill('walk-in-number', v.number)
    await h.fill('walk-in-name', v.name)
    await h.tap('walk-in-add')
  }

  async function sell(n) {
    await page.waitForFunction((count) => document.querySelectorAll('[data-testid="window-visitor"]').length === count, n)
    const attr = (testId, name) => page.evaluate(([id, a]) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute(a) ?? null, [testId, name])
    const before = await attr('window-sold', 'data-id')
    await h.tap('window-sell')
    await h.tap('sell-confirm-confirm')
    // the new sale, or the server's refusal (after the spot's last slot: window_no_slot, see e2e: china-hours)
    await page.waitForFunction((prev) => {
      const sold = document.querySelector('[data-testid="window-sold"]')
      return document.querySelector('[data-testid="window-refused"]') || (sold && sold.getAttribute('data-id') !== prev)
    }, before)
    const refused = await attr('window-refused', 'data-code')
    assert(!refused, `the sale was refused: ${refused}`)
    return Number(await attr('window-sold', 'data-id'))
  }

  await h.step(`${SELLER} logs in: the spot desk → 窗口售票`, async () => {
    await h.reopen('/pages/staff/login')
    await h.fill('staff-username', SELLER)
    await h.fill('staff-password', STAFF_PASSWORD)
    await h.tap('staff-login-submit')
    await h.see('page-spotstaff')
    await h.tap('spotstaff-window')
    await h.see('page-spotstaff-window')
    await h.see('window-left')
    await h.screenshot('window')
  })

  let cashSale
  await h.step('two walk-ins by their ID cards, for cash: valid at once, ¥196.00 to collect', async () => {
    for (const v of couple) await addVisitor(v)
    // today's last slot (still to begin: the spot's refund rules give back all but 10 % until it does)
    const later = page.locator('[data-testid="window-slot"]').last()
    await later.waitFor({ state: 'visible' })
    const slotId = await later.getAttribute('data-slot-id')
    await later.click()
    await page.waitForSelector(`[data-testid="window-slot"][data-slot-id="${slotId}"].chips__item--on`)
    await h.tap('paid-by-cash')
    await h.screenshot('window-visitors')
    cashSale = await sell(2)
    await h.waitText('window-total', `¥${yuan(2 * ADULT_FEN)}`)
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="window-ticket-row"]')]
      return rows.length === 2 && rows.every((r) => r.getAttribute('data-state') === 'confirmed')
    })
    await h.screenshot('window-cash-sold')
  })

  let wechatSale
  await h.step('one more by WeChat Pay: the code on the screen, paid at the sandbox pay desk, the sale settles', async () => {
    await addVisitor(payer)
    await h.tap('window-slot-auto') // the slot under way, or the next
    await h.tap('paid-by-wechat')
    wechatSale = await sell(1)
    await h.see('window-pay-qr')
    await h.waitAttr('window-pay', 'data-settled', '0')
    await h.screenshot('window-wechat-code')
    await h.tap('window-pay-sandbox')
    await h.waitAttr('window-pay', 'data-settled', '1')
    await h.waitText('window-pay-status', '已支付')
    // the payment's outbox job confirms the ticket; the screen keeps reading until it shows
    await page.waitForSelector('[data-testid="window-ticket-row"][data-state="confirmed"]', { timeout: 30_000 })
    await h.screenshot('window-wechat-paid')
  })

  await h.step('今日售票: both sales, newest first, the visitors masked', async () => {
    await h.tap('window-sales-link')
    await h.see('page-spotstaff-sales')
    await page.waitForSelector(`[data-testid="window-sale"][data-id="${cashSale}"][data-paid-by="cash"][data-cancellable="true"]`)
    const ids = await page.$$eval('[data-testid="window-sale"]', (els) => els.map((e) => Number(e.getAttribute('data-id'))))
    assert(ids.indexOf(wechatSale) >= 0 && ids.indexOf(wechatSale) < ids.indexOf(cashSale), `newest first: ${ids}`)
    const row = page.locator(`[data-testid="window-sale"][data-id="${cashSale}"]`)
    const text = await row.innerText()
    assert(!text.includes(couple[0].number) && !text.includes(couple[0].name), `masked: ${text}`)
    assert(text.includes(`${couple[0].number.slice(0, 4)}`) && text.includes('*'), `the document masked: ${text}`)
    await h.screenshot('sales-today')
  })

  await h.step('查找售票 by the second visitor’s ID number (the blind index): the cash sale opens', async () => {
    await h.tap('sales-find-by-document')
    await h.tap('sales-doc-kind-resident_id')
    await h.fill('sales-find-number', couple[1].number)
    await h.tap('sales-find-submit')
    // the window page opened on that sale (the first window page, still in the stack, shows the WeChat one)
    await page.waitForSelector(`[data-testid="window-sold"][data-id="${cashSale}"]`)
    await h.screenshot('sale-found')
  })

  await h.step('the couple comes back: the seller opens their cash sale and gives one ticket back; the sheet shows the refund first, then the cash to hand back', async () => {
    // a fresh page stack (only the list), so that the window page opened from it is the only one
    await h.reopen(`/pages/spotstaff/sales?spot=${SPOT}`)
    await page.click(`[data-testid="window-sale"][data-id="${cashSale}"]`)
    await h.see('page-spotstaff-window')
    await h.waitAttr('window-sold', 'data-id', String(cashSale))
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="window-ticket-row"][data-state="confirmed"]').length === 2)
    const sale = await seller.get(`/api/v1/staff/tourism/spots/${SPOT}/sales/${cashSale}`)
    const preview = await seller.get(`/api/v1/staff/tourism/spots/${SPOT}/tickets/${sale.tickets[0].id}/refund`)
    // 古龙峡's rules (server/demo/tourism.py): within the day before the slot, 10 % is kept
    assert(preview.cancellable && preview.paid_fen === ADULT_FEN && preview.refund_fen === ADULT_FEN * 0.9, `the preview: ${JSON.stringify(preview)}`)
    await page.locator('[data-testid="window-refund-ticket"]').first().click()
    await h.waitText('window-refund-amount', `¥${yuan(preview.refund_fen)}`)
    await h.screenshot('refund-preview')
    await h.tap('window-refund-confirm')
    await h.waitAttr('window-cash-back', 'data-amount', String(preview.refund_fen))
    await h.waitText('window-cash-back', yuan(preview.refund_fen))
    await page.waitForSelector('[data-testid="window-ticket-row"][data-state="cancelled"]')
    await page.waitForSelector('[data-testid="window-ticket-row"][data-state="confirmed"]')
    const after = await seller.get(`/api/v1/staff/tourism/spots/${SPOT}/sales/${cashSale}`)
    assert(after.tickets.map((t) => t.state).join() === 'cancelled,confirmed', `after: ${after.tickets.map((t) => t.state)}`)
    await h.screenshot('refund-cash-back')
  })
})
