#!/usr/bin/env node
// e2e: demo-data   (tests/e2e/test_h5_flows.py loads the demo residents, sites and staff first)
//
// Electronic health card (电子健康卡) flow against the H5 build at ${E2E_BASE_URL}/h5/, in two browsers:
// resident alice (demo: verified at L3, with a child): home → 电子健康卡 → my health cards (herself and the
//   child, 李小宝 by name) → the child's card (issued if there is none) reads 李小宝, not 李** → issue her own card (or open it when it exists) → the dynamic QR code with its countdown and
//   its text (data-token) → the countdown ticks; 刷新 gives a new code;
// staff clinic.qy (second browser, scanner at QY-PEOPLE): login → frontline desk → 扫码核验 → register a
//   scanner device at QY-PEOPLE if it has none → purpose 就诊 → paste the resident's code → the green
//   "admitted" panel (holder, card number, purpose); the same code again → the red "refused" panel
//   (credential_already_used: a dynamic code is used once);
// resident: the usage log shows the use at the hospital for 就诊; freeze (asked first) → the code gives way to the
//   frozen state; unfreeze → a code again; the static code: set a PIN (or it is set) → the static QR;
// staff: the static code asks for the holder's PIN → with the PIN, admitted.
import { launchBrowser, runFlow } from './lib/harness.mjs'
import { assert } from './lib/resident.mjs'

const STAFF_PASSWORD = 'palmcity-demo-2026'
const HOSPITAL = 'QY-PEOPLE'
const PIN = '258013'
// alice's child in the demo data (server/demo: DEMO_CHILD), shown in full to her guardian
const CHILD = '李小宝'
// the card face on the card page (the list page, hidden below it in Taro's stack, has faces too)
const CARD = '[data-testid="page-health-card"] [data-testid="health-card"]'

async function cardState(h, state) {
  await h.page.waitForSelector(`${CARD}[data-state="${state}"]`)
}

/** The token the resident's QR panel shows right now (a fresh code each refresh). */
async function tokenOf(h, testId) {
  const panel = h.page.locator(`[data-testid="${testId}"][data-state="shown"]`)
  await panel.waitFor({ state: 'attached' })
  const token = await panel.getAttribute('data-token')
  assert(/^PC:[A-Z2-7]+$/.test(token ?? ''), `unexpected token ${token}`)
  return token
}

/** The QR image is drawn (the SVG data URI decoded into pixels). */
async function qrDrawn(h, testId) {
  await h.page.waitForFunction((id) => {
    const img = document.querySelector(`[data-testid="${id}-image"] img, img[data-testid="${id}-image"]`)
    return !!img && img.complete && img.naturalWidth > 0 && img.src.startsWith('data:image/svg+xml;base64,')
  }, testId)
}

let savedCardId = null
async function cardId(h) {
  if (savedCardId === null) savedCardId = await h.page.locator(CARD).first().getAttribute('data-id')
  return savedCardId
}

await runFlow('health_card', async (h) => {
  const { page } = h
  await h.login('alice')

  await h.step('home: 电子健康卡 opens my health cards (no longer "coming soon")', async () => {
    await h.tap('entry-healthcard')
    await h.see('page-health-cards')
    await h.see('hc-person-self')
    // alice's child, added by the demo data: a card can be issued for her too
    await page.locator('[data-testid^="hc-person-m"]').first().waitFor({ state: 'visible' })
    await h.screenshot('health-cards')
  })

  await h.step(`the child's card shows the child's name to her guardian (${CHILD}, never 李**)`, async () => {
    const child = page.locator('[data-testid^="hc-person-m"]').first()
    const label = await child.innerText()
    assert(label.includes(CHILD), `the child is listed as ${label}`)
    const key = (await child.getAttribute('data-testid')).slice('hc-person-'.length)
    if (await page.locator(`[data-testid="hc-issue-${key}"]`).count()) {
      await h.tap(`hc-issue-${key}`)
      console.log("    issued the child's card")
    } else {
      await h.tap(`hc-open-${key}`)
    }
    await h.see('page-health-card')
    const face = page.locator(`${CARD}[data-member="${key.slice(1)}"]`)
    await face.waitFor({ state: 'visible' })
    const holder = (await face.locator('[data-testid="health-card-holder"]').innerText()).trim()
    assert(holder.startsWith(CHILD) && !holder.includes('*'), `the child's card reads ${holder}`)
    await h.screenshot('health-card-child')
    await h.reopen('/pages/healthcards/index')
    await h.see('page-health-cards')
    const faces = page.locator(`[data-testid="page-health-cards"] [data-testid="health-card"][data-member="${key.slice(1)}"]`)
    await faces.first().waitFor({ state: 'visible' })
    const listed = (await faces.first().locator('[data-testid="health-card-holder"]').innerText()).trim()
    assert(listed.startsWith(CHILD) && !listed.includes('*'), `the list shows the child's card as ${listed}`)
  })

  await h.step('issue my own card (or open it when it exists): the card page', async () => {
    const issue = page.locator('[data-testid="hc-issue-self"]')
    if (await issue.count()) {
      await issue.click()
      console.log('    issued a new card')
    } else {
      await h.tap('hc-open-self')
      console.log('    opened the existing card')
    }
    await h.see('page-health-card')
    await page.waitForSelector(`${CARD}[data-member="self"]`)
    const frozen = page.locator('[data-testid="hc-unfreeze"]')
    if (await frozen.count()) await frozen.click() // left frozen by an earlier run on the same database
    await cardState(h, 'active')
    console.log(`    card ${await cardId(h)}`)
  })

  await h.step('the dynamic QR code, its countdown and its text', async () => {
    await tokenOf(h, 'hc-qr')
    await qrDrawn(h, 'hc-qr')
    const first = Number(await (await h.see('hc-qr-countdown')).getAttribute('data-seconds'))
    assert(first > 0 && first <= 120, `countdown ${first}`)
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="hc-qr-countdown"]')?.getAttribute('data-seconds')) < n,
      first,
    )
    await h.see('hc-qr-token')
    await h.screenshot('health-card-qr')
    // 刷新 fetches a new code at once (the countdown does the same when it reaches 0)
    const before = await tokenOf(h, 'hc-qr')
    await h.tap('hc-qr-refresh')
    await page.waitForFunction(
      (t) => {
        const now = document.querySelector('[data-testid="hc-qr"][data-state="shown"]')?.getAttribute('data-token')
        return !!now && now !== t
      },
      before,
    )
  })

  const second = await launchBrowser()
  const s = h.forPage(second.page)
  try {
    await s.step('staff clinic.qy logs in: frontline desk → 扫码核验', async () => {
      await s.reopen('/pages/staff/login')
      await s.see('page-staff-login')
      await s.fill('staff-username', 'clinic.qy')
      await s.fill('staff-password', STAFF_PASSWORD)
      await s.tap('staff-login-submit')
      await s.see('page-frontline')
      await s.tap('scan-entry')
      await s.see('page-scan')
      await s.page.waitForSelector('[data-testid="scan-register"], [data-testid="scan-desk"]')
    })

    await s.step(`a scanner device at ${HOSPITAL} (registered if there is none)`, async () => {
      if (await s.page.locator('[data-testid="scan-register"]').count()) {
        await s.screenshot('scan-register')
        await s.tap(`scan-reg-site-${HOSPITAL}`)
        await s.waitAttr(`scan-reg-site-${HOSPITAL}`, 'data-selected', 'true')
        await s.fill('scan-reg-name', '分诊台 e2e')
        await s.tap('scan-reg-submit')
        console.log('    registered a device')
      }
      await s.see('scan-desk')
      await s.waitText('scan-device-code', /SD-[A-Z0-9]{12}/)
      await s.waitText('scan-site', '人民医院')
    })

    await s.step('purpose 就诊, paste the resident\'s code: the green admitted panel', async () => {
      await s.tap('scan-purpose-treat')
      await s.waitAttr('scan-purpose-treat', 'data-selected', 'true')
      const token = await tokenOf(h, 'hc-qr') // read now: the resident's code refreshes every minute
      await s.fill('scan-input', token)
      await s.waitAttr('scan-peek', 'data-kind', 'health_card')
      await s.tap('scan-submit')
      await s.page.waitForSelector('[data-testid="scan-admitted"], [data-testid="scan-refused"]')
      if (await s.page.locator('[data-testid="scan-refused"]').count()) {
        throw new Error(`scan refused: ${await s.text('scan-refused')}`)
      }
      await s.waitAttr('scan-admitted', 'data-kind', 'health_card')
      await s.waitText('scan-shown-holder', '李')
      await s.waitText('scan-shown-purpose', '就诊')
      const number = (await page.locator(`${CARD} [data-testid="health-card-number"]`).innerText()).trim()
      assert(number.length >= 6, `card number ${number}`)
      await s.waitText('scan-shown-card', number)
      await s.screenshot('scan-admitted')
      s.lastToken = token
    })

    await s.step('the same code again: the red refused panel (a dynamic code is used once)', async () => {
      await s.fill('scan-input', s.lastToken)
      await s.tap('scan-submit')
      await s.waitAttr('scan-refused', 'data-code', 'credential_already_used')
      assert((await s.text('scan-refused-message')).length > 0, 'refusal without a message')
      await s.screenshot('scan-refused')
    })

    await h.step('resident: the usage log shows the use at the hospital, for 就诊', async () => {
      await h.tap('hc-uses')
      await h.see('page-health-card-uses')
      await page.waitForSelector(`[data-testid="hc-use"][data-site="${HOSPITAL}"][data-purpose="treat"]`)
      await h.waitText('hc-uses-list', '人民医院')
      await h.screenshot('health-card-uses')
      await page.goBack()
      await h.see('page-health-card')
    })

    await h.step('freeze (confirmed): the code gives way to the frozen state; unfreeze: a code again', async () => {
      await h.tap('hc-freeze')
      await h.see('hc-freeze-confirm') // asked first, in the page's own sheet
      await h.screenshot('health-card-freeze-confirm')
      await h.tap('hc-freeze-confirm-confirm')
      await h.see('hc-frozen')
      await cardState(h, 'frozen')
      assert((await page.locator('[data-testid="hc-qr"]').count()) === 0, 'a frozen card still shows its code')
      await h.screenshot('health-card-frozen')
      await h.tap('hc-unfreeze')
      await cardState(h, 'active')
      await tokenOf(h, 'hc-qr')
    })

    await h.step('the static code: a PIN first (unless set), then the static QR code', async () => {
      await h.tap('hc-static')
      await h.see('page-health-card-static')
      await page.waitForSelector('[data-testid="hc-pin-form"], [data-testid="hc-static-qr"]')
      if (await page.locator('[data-testid="hc-pin-form"]').count()) {
        await h.fill('hc-pin', '123456')
        await h.fill('hc-pin-again', '123456')
        await h.tap('hc-pin-submit')
        await h.see('hc-pin-refused') // credential_pin_weak: digits in a row
        await h.screenshot('health-card-pin-weak')
        await h.fill('hc-pin', PIN)
        await h.fill('hc-pin-again', PIN)
        await h.tap('hc-pin-submit')
      }
      const token = await tokenOf(h, 'hc-static-qr')
      await h.waitAttr('hc-static-qr', 'data-static', 'true')
      await qrDrawn(h, 'hc-static-qr')
      await h.screenshot('health-card-static')
      s.staticToken = token
    })

    await s.step('staff: the static code asks for the holder\'s PIN; with it, admitted', async () => {
      await s.tap('scan-purpose-pay')
      await s.fill('scan-input', s.staticToken)
      await s.see('scan-pin') // read as a static code: the PIN field shows at once
      await s.tap('scan-submit') // without the PIN: refused by the page before sending
      await s.fill('scan-pin', PIN)
      await s.tap('scan-submit')
      await s.waitAttr('scan-admitted', 'data-kind', 'health_card')
      await s.waitText('scan-shown-purpose', '缴费')
      await s.screenshot('scan-static-admitted')
    })

    await h.step('resident: two uses in the log (treat, pay)', async () => {
      await h.reopen(`/pages/healthcards/uses?id=${await cardId(h)}`)
      await h.see('page-health-card-uses')
      await page.waitForSelector(`[data-testid="hc-use"][data-site="${HOSPITAL}"][data-purpose="pay"]`)
      await page.waitForSelector(`[data-testid="hc-use"][data-site="${HOSPITAL}"][data-purpose="treat"]`)
      await h.screenshot('health-card-uses-two')
    })
  } catch (err) {
    await s.screenshot('staff-failure').catch(() => undefined)
    console.log(`  staff browser at ${second.page.url()}`)
    throw err
  } finally {
    await second.close()
  }
})
