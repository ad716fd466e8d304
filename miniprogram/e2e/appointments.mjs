#!/usr/bin/env node
// e2e: demo-data   (tests/e2e/test_h5_flows.py loads the demo sites, services, slots and staff first)
//
// Appointments (预约) flow against the H5 build at ${E2E_BASE_URL}/h5/, in two browsers:
// resident: sandbox login → real-name verification (L3) → 预约 → service hall QY-HALL → 24小时自助服务区 (self-service) → the earliest slot
//   that can be booked → book for myself → the check-in code, shown large;
// staff hall.qy (second browser): login → frontline desk → check the resident in by the code →
//   calling panel of business type Z, window 3 → call next;
// resident: the detail page (refreshed on a timer) shows the number called to window 3;
// staff: serves the number; resident: a paid registration at QY-PEOPLE with dr-li (¥20) → the sandbox
//   pay page → pay (asked first, ¥20.00) → booked; my appointments list both; the registration again in care mode.
//
// Check-in is allowed from 60 minutes before a slot's start until 30 minutes after. The flow books the
// hall's 24-hour self-service area (slots every half hour, every day), so there is always a slot to
// check in for, whatever the hour or the day.
import { launchBrowser, runFlow } from './lib/harness.mjs'
import { makeIdNumber, randomChineseName } from './lib/idcard.mjs'
import { assert, verifyRealName } from './lib/resident.mjs'
import { openService, pickEarliestSlot } from './lib/appointments.mjs'

const STAFF_PASSWORD = 'palmcity-demo-2026'
const HALL = 'QY-HALL'
// The hall's 24-hour self-service area is open every day: a slot to check in for at any hour.
const SERVICE = 'self-service'
const TYPE = 'Z'
const HOSPITAL = 'QY-PEOPLE'
const WINDOW = '3'
const CHECKIN_OPENS_MINUTES = 60

/** Screenshot from the top of the page. */
async function shotTop(hx, name) {
  await hx.page.evaluate(() => window.scrollTo(0, 0))
  await hx.screenshot(name)
}

await runFlow('appointments', async (h) => {
  const { page } = h
  await h.login()
  // Hospitals take registrations from verified residents only (the demo clinics ask for L3).
  // born after 1988: the Qingcheng district (441802) of the ID number exists only since then
  await verifyRealName(h, { name: randomChineseName(), idNumber: makeIdNumber({ birth: '19890307' }) })
  await h.tap('tab-home')

  await h.step('home: 预约 opens the appointments page (no longer "coming soon")', async () => {
    await h.tap('entry-appointment')
    await h.see('page-appointments')
    await page.waitForSelector(`[data-testid="site"][data-code="${HALL}"]`)
    await h.screenshot('appointments-halls')
  })

  await h.step('预约 with the sites API down says it failed and offers 重试, never "no sites"', async () => {
    const down = (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"服务暂不可用"}}' })
    const sites = /\/api\/v1\/appointments\/sites\?kind=/
    await page.route(sites, down)
    await h.reopen('/pages/appointments/index')
    await h.see('sites-error')
    assert((await page.locator('[data-testid="sites-empty"]').count()) === 0, 'a failure shown as an empty list')
    await h.screenshot('appointments-sites-failed')
    await page.unroute(sites, down)
    await h.tap('sites-retry')
    await page.waitForSelector(`[data-testid="site"][data-code="${HALL}"]`)
  })

  await h.step('the hall lists its business types; the self-service area shows the next 7 days', async () => {
    await h.tap('site-kind-hall')
    await page.locator(`[data-testid="site"][data-code="${HALL}"]`).click()
    await h.see('page-appointment-site')
    await page.waitForSelector(`[data-testid="service"][data-code="${SERVICE}"]`)
    await h.screenshot('hall-services')
    await page.locator(`[data-testid="service"][data-code="${SERVICE}"]`).click()
    await h.see('page-appointment-slots')
  })

  let hallSlot
  await h.step('pick the earliest bookable slot (places left shown)', async () => {
    hallSlot = await pickEarliestSlot(h)
    const left = await page.locator(`[data-testid="slot"][data-slot-id="${hallSlot.slotId}"]`).getAttribute('data-left')
    console.log(`    slot ${hallSlot.slotId} at ${hallSlot.startsAt}, ${left} left`)
    await h.screenshot('hall-slots')
  })

  let code
  await h.step('confirm for myself: booked, the check-in code shown large', async () => {
    await h.tap('slots-next')
    await h.see('page-appointment-confirm')
    await h.waitAttr('who-self', 'data-selected', 'true')
    await h.waitText('confirm-fee', /免费|Free/)
    await h.screenshot('hall-confirm')
    await h.tap('book-submit')
    await h.see('page-appointment')
    await h.waitAttr('appointment-state', 'data-state', 'booked')
    code = await h.text('checkin-code')
    assert(/^[A-Z0-9]{4,12}$/.test(code), `unexpected check-in code ${code}`)
    console.log(`    check-in code ${code}`)
    await h.screenshot('hall-booked-code')
  })

  const startsMs = Date.parse(hallSlot.startsAt)
  const canCheckIn = Date.now() >= startsMs - CHECKIN_OPENS_MINUTES * 60_000
  if (!canCheckIn) {
    // The self-service area has a slot every half hour, every day: this would be a backend regression.
    throw new Error(`no slot to check in for: the earliest bookable starts ${hallSlot.startsAt}`)
  } else {
    const second = await launchBrowser()
    try {
      const s = h.forPage(second.page)
      await s.step('staff hall.qy logs in: the frontline desk of the hall', async () => {
        await s.reopen('/pages/staff/login')
        await s.see('page-staff-login')
        await s.fill('staff-username', 'hall.qy')
        await s.fill('staff-password', STAFF_PASSWORD)
        await s.tap('staff-login-submit')
        await s.see('page-frontline')
        await s.waitText('frontline-site', '政务服务中心')
        await s.page.waitForSelector(`[data-testid="site-appointment"][data-state="booked"]`)
        await s.screenshot('frontline-desk')
      })

      let label
      await s.step('check the resident in by the code: a queue number', async () => {
        await s.fill('checkin-input', code.toLowerCase()) // codes are case-insensitive
        await s.tap('checkin-submit')
        await s.page.waitForSelector('[data-testid="checkin-result"], [data-testid="checkin-refused"]')
        const refused = await s.page.locator('[data-testid="checkin-refused"]').count()
        if (refused) {
          await s.screenshot('checkin-refused')
          throw new Error(`check-in refused: ${await s.text('checkin-refused')}`)
        }
        label = await s.text('checkin-ticket')
        assert(new RegExp(`^${TYPE}\\d{3}$`).test(label), `unexpected number ${label}`)
        console.log(`    number ${label}`)
        await s.screenshot('frontline-checked-in')
      })

      await h.step('resident sees the number and the people ahead', async () => {
        await page.waitForSelector(`[data-testid="queue-card"][data-label="${label}"]`, { timeout: 20000 })
        await h.screenshot('resident-queue-waiting')
      })

      await s.step(`calling panel for ${TYPE}, window ${WINDOW}: call next calls the number`, async () => {
        await s.tap(`calling-${TYPE}`)
        await s.see('page-calling')
        await s.fill('calling-window', WINDOW)
        await s.page.waitForSelector(`[data-testid="ticket"][data-label="${label}"][data-state="waiting"]`)
        await s.screenshot('calling-before')
        await s.tap('call-next')
        await s.waitAttr('calling-current', 'data-label', label)
        await s.screenshot('calling-called')
      })

      await h.step(`resident sees they are called to window ${WINDOW}`, async () => {
        await page.waitForSelector(
          `[data-testid="queue-card"][data-state="called"][data-window="${WINDOW}"]`,
          { timeout: 20000 },
        )
        await h.screenshot('resident-called')
      })

      await s.step('the window serves the number', async () => {
        await s.tap('call-serve')
        await s.waitAttr('calling-current', 'data-state', 'none')
        await s.screenshot('calling-served')
      })

      await h.step('resident: the appointment is completed', async () => {
        await page.waitForSelector('[data-testid="appointment-state"][data-state="completed"]', { timeout: 20000 })
      })
    } catch (err) {
      await h.forPage(second.page).screenshot('staff-failure').catch(() => undefined)
      console.log(`  staff browser at ${second.page.url()}`)
      throw err
    } finally {
      await second.close()
    }
  }

  await h.step('hospital: dr-li (内科, 主任医师) charges ¥20', async () => {
    await h.reopen('/pages/appointments/index')
    await h.see('page-appointments')
    await openService(h, 'hospital', HOSPITAL, 'dr-li')
    await h.waitText('service-fee', '¥20')
    await pickEarliestSlot(h)
    await h.screenshot('clinic-slots')
  })

  await h.step('confirm shows the fee; booking holds the place until paid: the sandbox pay page', async () => {
    await h.tap('slots-next')
    await h.see('page-appointment-confirm')
    await h.waitText('confirm-fee', '¥20')
    await h.screenshot('clinic-confirm')
    await h.tap('book-submit')
    await h.see('page-appointment-pay')
    await h.waitAttr('pay-sheet', 'data-sandbox', 'true')
    await h.waitText('pay-amount', '¥20')
    await h.waitText('pay-by', /\d{2}:\d{2}/)
    await h.screenshot('clinic-pay')
  })

  await h.step('pay asks first, with the amount in yuan; confirmed: booked, with its check-in code', async () => {
    await h.tap('pay-submit')
    await h.waitText('pay-confirm-amount', '¥20.00')
    await h.screenshot('clinic-pay-confirm')
    await h.tap('pay-confirm-confirm')
    await h.see('page-appointment')
    await h.waitAttr('appointment-state', 'data-state', 'booked')
    await h.see('checkin-code')
    await shotTop(h, 'clinic-booked')
  })

  await h.step('the booked registration shows its pass as a QR code (appointment_pass)', async () => {
    await h.tap('pass-show')
    const pass = page.locator('[data-testid="pass-qr"][data-state="shown"][data-kind="appointment_pass"]')
    await pass.waitFor({ state: 'visible' })
    assert(/^PC:[A-Z2-7]+$/.test((await pass.getAttribute('data-token')) ?? ''), 'no pass token')
    await h.see('pass-qr-countdown')
    await h.screenshot('clinic-pass-qr')
    await h.tap('pass-hide')
  })

  await h.step('my appointments list them', async () => {
    await h.reopen('/pages/appointments/mine')
    await h.see('page-my-appointments')
    await page.waitForSelector(`[data-testid="appointment"][data-site="${HOSPITAL}"][data-state="booked"]`)
    await page.waitForSelector(`[data-testid="appointment"][data-site="${HALL}"]`)
    await h.screenshot('my-appointments')
  })

  await h.step('care mode: the registration with its check-in code in large type', async () => {
    await h.reopen('/pages/profile/index')
    await h.see('page-profile')
    await h.tap('care-toggle')
    await h.waitAttr('care-toggle', 'data-checked', 'true')
    await h.reopen('/pages/appointments/mine')
    await h.waitAttr('page-my-appointments', 'data-care', 'on')
    await page.locator(`[data-testid="appointment"][data-site="${HOSPITAL}"]`).first().click()
    await h.see('page-appointment')
    await h.see('checkin-code')
    await h.screenshot('care-appointment')
  })
})
