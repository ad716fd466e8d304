#!/usr/bin/env node
// e2e: demo-data   (tests/e2e/test_h5_flows.py loads the demo residents, sites, slots and staff first)
//
// Slot changes (时段调整) flow against the H5 build at ${E2E_BASE_URL}/h5/, in two browsers:
// resident alice (demo): 预约 → QY-HALL → 综合受理窗口 (general) → a slot tomorrow (else the first open day)
//   → booked; when she already holds an open booking there from an earlier run, the flow keeps it
//   (one booking per person, service and day), so the flow can run again on the same database;
// staff hall.qy (second browser, scanner at QY-HALL): login → frontline desk → 时段调整 → general → that
//   day → her slot shows at least one booked → 改时间: a "later by" choice that is free (no other slot
//   starts then) + a reason → the confirmation dialog → the result: moved, n told; the slot is listed at
//   its new time, still booked;
// staff: 取消时段 on the day's last open slot of the self-service area that nobody booked: the dialog
//   dismissed leaves it open; confirmed: cancelled, nobody to tell, listed as 已停约;
// resident: her appointment shows the new time; late in the day (the browser's clock at 23:45) today reads
//   已结束 on the self-service area, not 休息; her inbox shows 预约时间变更 when an outbox worker
//   delivered it (the e2e server runs none with a Redis server: then the flow logs SKIP).
import { launchBrowser, runFlow } from './lib/harness.mjs'
import { assert } from './lib/resident.mjs'
import { openService } from './lib/appointments.mjs'

const STAFF_PASSWORD = 'palmcity-demo-2026'
const HALL = 'QY-HALL'
const SERVICE = 'general'
const SELF_SERVICE = 'self-service'
const REASON = '窗口系统升级，顺延办理'
const CANCEL_REASON = '自助设备检修'

/** China wall-clock parts of an ISO instant: { date, time }. */
function china(iso) {
  const s = new Date(Date.parse(iso) + 8 * 3600_000).toISOString()
  return { date: s.slice(0, 10), time: s.slice(11, 16) }
}

/** Call the API as the signed-in resident (tokens from the H5 app's local storage). */
async function residentGet(page, path) {
  return page.evaluate(async (p) => {
    const raw = localStorage.getItem('palmcity.tokens')
    let v = raw ? JSON.parse(raw) : null
    if (v && typeof v === 'object' && 'data' in v) v = v.data // Taro H5 storage wraps values
    const res = await fetch(p, { headers: { Authorization: `Bearer ${v?.access}` } })
    return { status: res.status, body: await res.json().catch(() => null) }
  }, path)
}

/** Confirm (or dismiss) the page's confirmation sheet for moving or cancelling a slot. */
async function answerModal(h, ok = true) {
  await h.tap(`fslot-confirm-${ok ? 'confirm' : 'cancel'}`)
  await h.page.locator('[data-testid="fslot-confirm"]').waitFor({ state: 'detached' })
}

/** The staff page's slot row that starts at `iso` (compared as instants). */
async function slotRowAt(s, iso) {
  const want = Date.parse(iso)
  await s.page.waitForSelector('[data-testid="fslot"]')
  const rows = s.page.locator('[data-testid="fslot"]')
  const n = await rows.count()
  for (let i = 0; i < n; i++) {
    const row = rows.nth(i)
    if (Date.parse((await row.getAttribute('data-starts-at')) ?? '') === want) return row
  }
  return null
}

/** On the staff page: pick a service and a day, and wait for that day's slots. */
async function openDay(s, service, date) {
  const chip = s.page.locator(`[data-testid="fslot-service-${service}"]`)
  await chip.waitFor({ state: 'visible' })
  if ((await chip.getAttribute('data-selected')) !== 'true') await chip.click()
  const day = s.page.locator(`[data-testid="fslot-day-${date}"]`)
  if ((await day.getAttribute('data-selected')) !== 'true') await day.click()
  await s.page.waitForSelector(`[data-testid="fslot-slots"][data-date="${date}"][data-service="${service}"] [data-testid="fslot"]`)
}

await runFlow('slots', async (h) => {
  const { page } = h
  await h.login('alice')

  let appt // { id, starts_at }
  await h.step('alice books the general counter at QY-HALL tomorrow (or keeps her open booking)', async () => {
    const site = await residentGet(page, `/api/v1/appointments/sites/${HALL}`)
    assert(site.status === 200, `GET site → ${site.status}`)
    const general = site.body.services.find((x) => x.code === SERVICE)
    assert(general, `no service ${SERVICE} at ${HALL}`)
    const mine = await residentGet(page, '/api/v1/appointments')
    assert(mine.status === 200, `GET my appointments → ${mine.status}`)
    // an earlier run's booking, not about to start (a slot can only move to a time still to come)
    const kept = mine.body.items.find(
      (a) => a.site === HALL && a.service_id === general.id && a.state === 'booked' && Date.parse(a.starts_at) > Date.now() + 30 * 60_000,
    )
    if (kept) {
      appt = { id: kept.id, starts_at: kept.starts_at }
      console.log(`    kept appointment ${kept.id} at ${kept.starts_at} (from an earlier run)`)
      return
    }
    await h.tap('entry-appointment')
    await h.see('page-appointments')
    await openService(h, 'hall', HALL, SERVICE)
    await page.waitForFunction(() => {
      const days = document.querySelectorAll('[data-testid^="day-"]')
      return days.length === 7 && !document.querySelector('[data-testid^="day-"][data-status="loading"]')
    })
    const tomorrow = china(new Date(Date.now() + 24 * 3600_000).toISOString()).date
    let day = page.locator(`[data-testid="day-${tomorrow}"][data-status="open"]`)
    if ((await day.count()) === 0) {
      console.log(`    tomorrow (${tomorrow}) has no open slot: the first open day instead`)
      day = page.locator('[data-testid^="day-"][data-status="open"]').first()
    }
    assert((await day.count()) === 1, 'no open day in the next 7 days')
    const date = (await day.getAttribute('data-testid')).slice(4)
    await day.click()
    await h.waitAttr(`day-${date}`, 'data-selected', 'true')
    const slot = page.locator('[data-testid="slot"][data-bookable="true"]').first()
    await slot.waitFor({ state: 'visible' })
    const startsAt = await slot.getAttribute('data-starts-at')
    await slot.click()
    await h.screenshot('resident-slot')
    await h.tap('slots-next')
    await h.see('page-appointment-confirm')
    await h.waitAttr('who-self', 'data-selected', 'true')
    await h.tap('book-submit')
    await h.see('page-appointment')
    await h.waitAttr('appointment-state', 'data-state', 'booked')
    const id = Number(await page.locator('[data-testid="appointment-head"]').getAttribute('data-id'))
    appt = { id, starts_at: startsAt }
    console.log(`    booked appointment ${id} at ${startsAt}`)
    await h.screenshot('resident-booked')
  })
  const date = china(appt.starts_at).date
  const before = china(appt.starts_at).time

  let newTime
  const second = await launchBrowser()
  try {
    const s = h.forPage(second.page)
    await s.step('staff hall.qy: frontline desk → 时段调整', async () => {
      await s.reopen('/pages/staff/login')
      await s.see('page-staff-login')
      await s.fill('staff-username', 'hall.qy')
      await s.fill('staff-password', STAFF_PASSWORD)
      await s.tap('staff-login-submit')
      await s.see('page-frontline')
      await s.tap('slots-entry')
      await s.see('page-frontline-slots')
      await s.waitText('fslot-site', '政务服务中心')
    })

    await s.step(`general on ${date}: the ${before} slot lists alice's booking`, async () => {
      await openDay(s, SERVICE, date)
      const row = await slotRowAt(s, appt.starts_at)
      assert(row, `no slot at ${appt.starts_at}`)
      const booked = Number(await row.getAttribute('data-booked'))
      assert(booked >= 1, `the slot shows ${booked} booked`)
      await row.click()
      await s.see('fslot-actions')
      await s.waitAttr('fslot-action-move', 'data-selected', 'true')
      await s.screenshot('staff-slot-selected')
    })

    await s.step('move it later the same day, with a reason: confirmed, everyone on it told', async () => {
      const free = s.page.locator('[data-testid^="fslot-later-"][data-off="false"]').first()
      assert((await free.count()) === 1, 'no free later time for the slot')
      newTime = await free.getAttribute('data-time')
      await free.click()
      await s.waitText('fslot-new-time', newTime)
      await s.fill('fslot-reason', REASON)
      await s.screenshot('staff-move-form')
      await s.tap('fslot-submit')
      await answerModal(s, true)
      await s.page.waitForSelector('[data-testid="fslot-result"][data-action="move"], [data-testid="fslot-refused"]')
      if (await s.page.locator('[data-testid="fslot-refused"]').count()) {
        throw new Error(`move refused: ${await s.text('fslot-refused')}`)
      }
      const told = Number(await s.page.locator('[data-testid="fslot-result"]').getAttribute('data-count'))
      assert(told >= 1, `the move told ${told}`)
      await s.page.waitForSelector(`[data-testid="fslot-affected"][data-id="${appt.id}"]`)
      console.log(`    moved ${before} → ${newTime}, ${told} told`)
      const moved = await slotRowAt(s, `${date}T${newTime}:00+08:00`)
      assert(moved, `the slot is not listed at ${newTime}`)
      assert(Number(await moved.getAttribute('data-booked')) >= 1, 'the moved slot shows nobody booked')
      assert(!(await slotRowAt(s, appt.starts_at)), `a slot is still listed at ${before}`)
      await (await s.see('fslot-result')).scrollIntoViewIfNeeded()
      await s.screenshot('staff-moved')
    })

    await s.step('cancel an empty self-service slot: the dialog dismissed leaves it; confirmed, cancelled', async () => {
      await openDay(s, SELF_SERVICE, date)
      const empty = s.page.locator('[data-testid="fslot"][data-status="open"][data-booked="0"]').last()
      assert((await empty.count()) === 1, `no open empty self-service slot on ${date}`)
      const slotId = await empty.getAttribute('data-slot-id')
      await empty.click()
      await s.see('fslot-actions')
      await s.tap('fslot-action-cancel')
      await s.tap('fslot-submit') // no reason yet: a toast, nothing sent
      await s.page.getByText('请填写原因').first().waitFor({ state: 'visible' })
      assert((await s.page.locator('[data-testid="fslot-confirm"]').count()) === 0, 'a confirmation without a reason')
      await s.fill('fslot-reason', CANCEL_REASON)
      await s.tap('fslot-submit')
      await answerModal(s, false)
      assert((await s.page.locator('[data-testid="fslot-result"][data-action="cancel"]').count()) === 0, 'cancelled without confirming')
      await s.tap('fslot-submit')
      await answerModal(s, true)
      await s.page.waitForSelector('[data-testid="fslot-result"][data-action="cancel"][data-count="0"], [data-testid="fslot-refused"]')
      if (await s.page.locator('[data-testid="fslot-refused"]').count()) {
        throw new Error(`cancel refused: ${await s.text('fslot-refused')}`)
      }
      await s.page.waitForSelector(`[data-testid="fslot"][data-slot-id="${slotId}"][data-status="closed"]`)
      await (await s.see('fslot-result')).scrollIntoViewIfNeeded()
      await s.screenshot('staff-cancelled')
    })
  } catch (err) {
    await h.forPage(second.page).screenshot('staff-failure').catch(() => undefined)
    console.log(`  staff browser at ${second.page.url()}`)
    throw err
  } finally {
    await second.close()
  }

  await h.step('alice: her appointment shows the new time, still booked', async () => {
    await h.reopen(`/pages/appointments/detail?id=${appt.id}`)
    await h.see('page-appointment')
    await h.waitAttr('appointment-state', 'data-state', 'booked')
    await h.waitText('appointment-time', `${date} ${newTime}`)
    await h.screenshot('resident-moved')
  })

  await h.step("late in the day, today's slots all started: today reads 已结束, not 休息 (a rest day)", async () => {
    // The browser's clock at 23:45 China time today (the self-service area's last slot starts at 23:00),
    // the server's real clock unchanged: today has slots, all of them started.
    const today = china(new Date().toISOString()).date
    const late = Math.max(Date.now(), Date.parse(`${today}T23:45:00+08:00`))
    const third = await launchBrowser()
    try {
      const l = h.forPage(third.page)
      await third.page.clock.setFixedTime(late)
      await l.reopen('/pages/appointments/index')
      await l.see('page-appointments')
      await openService(l, 'hall', HALL, SELF_SERVICE)
      await third.page.waitForFunction(() => {
        const days = document.querySelectorAll('[data-testid^="day-"]')
        return days.length === 7 && !document.querySelector('[data-testid^="day-"][data-status="loading"]')
      })
      const day = third.page.locator(`[data-testid="day-${today}"]`)
      const status = await day.getAttribute('data-status')
      const text = await day.innerText()
      assert(status === 'over', `today at 23:45 reads ${status} (${text})`)
      assert(text.includes('已结束') && !text.includes('休息'), `today reads ${text}`)
      await l.screenshot('today-over')
    } finally {
      await third.close()
    }
  })

  await h.step('alice: her inbox tells her the time changed (when the outbox worker delivered it)', async () => {
    await h.reopen('/pages/inbox/index')
    await h.see('page-inbox')
    await page.waitForSelector('[data-testid="message"], [data-testid="inbox-empty"]')
    const moved = page.locator('[data-testid="message"][data-kind="appointment_moved"]', { hasText: newTime })
    let found = (await moved.count()) > 0
    for (let i = 0; i < 3 && !found; i++) {
      await page.waitForTimeout(1500)
      await h.reopen('/pages/inbox/index')
      await page.waitForSelector('[data-testid="message"], [data-testid="inbox-empty"]')
      found = (await moved.count()) > 0
    }
    if (found) {
      const text = await moved.first().innerText()
      assert(text.includes(REASON), `the message does not give the reason: ${text}`)
      console.log('    message appointment_moved delivered')
    } else {
      console.log('    SKIP inbox: no appointment_moved message (no outbox worker delivered it in this run)')
    }
    await h.screenshot('resident-inbox')
  })
})
