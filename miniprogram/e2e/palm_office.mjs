#!/usr/bin/env node
// e2e: demo-data   (tests/e2e/test_h5_flows.py loads the demo catalogue and staff before this flow)
//
// Palm office (掌上办) flow against the H5 build at ${E2E_BASE_URL}/h5/, in two browsers:
// resident: sandbox login → real-name L3 → add a child born 2022 → find 残疾儿童康复救助 (JF0005-441500)
//   in the catalogue → apply for the child: dynamic form (show_if), materials (PNG/PDF made here),
//   a server field error shown beside its field, submit;
// staff officer.sw: login → intake queue → claim → request a supplement with a reason;
// resident: sees the request → adds a material → resubmits;
// officer.sw: accepts (受审分离: back to the review queue); reviewer.sw: claims → review → approve, citing
//   a written decision (PDF) attached to the case;
// resident: sees the decision, the e-certificate in the wallet, and rates the service 非常满意.
import { launchBrowser, runFlow } from './lib/harness.mjs'
import { makeIdNumber, randomChineseName } from './lib/idcard.mjs'
import { addChild, assert, verifyRealName } from './lib/resident.mjs'
import { pdfBytes, pngBytes, upload } from './lib/files.mjs'

const ITEM = 'JF0005-441500'
const STAFF_PASSWORD = 'palmcity-demo-2026'

/** Screenshot from the top of the page (after an action the page is scrolled to its button). */
async function shotTop(hx, name) {
  await hx.page.evaluate(() => window.scrollTo(0, 0))
  await hx.screenshot(name)
}

async function caseState(h, state) {
  await h.page.waitForSelector(`[data-testid="case-state"][data-state="${state}"]`)
}

// ---- staff helpers (second browser) -------------------------------------------------------------

async function staffLogin(s, username) {
  await s.step(`staff ${username} logs in`, async () => {
    await s.reopen('/pages/staff/login')
    await s.see('page-staff-login')
    await s.fill('staff-username', username)
    await s.fill('staff-password', STAFF_PASSWORD)
    await s.tap('staff-login-submit')
    await s.see('page-staff')
    await s.waitText('staff-name', username.startsWith('officer') ? '受理员' : '审核员')
  })
}

async function openFromQueue(s, queue, number) {
  await s.tap(`queue-${queue}`)
  await s.waitAttr(`queue-${queue}`, 'data-selected', 'true')
  const row = s.page.locator(`[data-testid="queue-case"][data-number="${number}"]`)
  await row.waitFor({ state: 'visible' })
  await row.click()
  await s.see('page-staff-case')
}

async function ensureClaimed(s) {
  await s.page.waitForSelector('[data-testid="claim-card"]')
  if ((await s.page.locator('[data-testid="claim-card"][data-claimed="me"]').count()) === 0) {
    await s.tap('claim')
    await s.waitAttr('claim-card', 'data-claimed', 'me')
  }
}

async function act(s, action, { reasons, comment } = {}) {
  await s.tap(`action-${action}`)
  await s.waitAttr('action-form', 'data-action', action)
  if (reasons) await s.fill('action-reasons', reasons)
  if (comment) await s.fill('action-comment', comment)
}

await runFlow('palm_office', async (h) => {
  const { page } = h
  const adultId = makeIdNumber({ birth: '19880412' })
  const adultName = randomChineseName()
  const childId = makeIdNumber({ birth: '20220315' }) // under 7 on 31 August
  const childName = randomChineseName()
  console.log(`  data: guardian ${adultName} ${adultId}, child ${childName} ${childId}`)

  await h.login()
  await verifyRealName(h, { name: adultName, idNumber: adultId, level: 'L3' })
  await addChild(h, { name: childName, idNumber: childId, title: 'add a child born in 2022: active at once' })

  await h.step('home: 掌上办 opens the catalogue with the high-frequency items', async () => {
    await h.tap('tab-home')
    await h.tap('entry-office')
    await h.see('page-office')
    await page.waitForSelector('[data-testid="office-popular"] [data-testid="catalog-item"]')
    await h.screenshot('office-catalogue')
  })

  await h.step('filters narrow the catalogue (theme: services for disabled people)', async () => {
    await h.tap('filters-toggle')
    await h.tap('filter-theme-disability')
    await h.see('office-results')
    await page.waitForSelector(`[data-testid="office-results"] [data-testid="catalog-item"][data-code="${ITEM}"]`)
    await h.screenshot('office-filter-theme')
    await h.tap('filters-clear')
    await h.tap('filters-toggle')
  })

  await h.step('search 残疾儿童 finds the rehabilitation aid item', async () => {
    await h.fill('office-search', '残疾儿童')
    await h.tap('office-search-submit')
    await page.waitForSelector(`[data-testid="office-results"] [data-testid="catalog-item"][data-code="${ITEM}"]`)
    await h.screenshot('office-search')
  })

  await h.step('item guide: limits, materials, 零跑动, identity level, apply', async () => {
    await page.locator(`[data-testid="catalog-item"][data-code="${ITEM}"]`).click()
    await h.see('page-item')
    await h.waitText('item-name', '残疾儿童康复救助')
    await h.see('item-zero-visit')
    await h.waitText('item-min-level', 'L3')
    await h.waitText('item-materials', '残疾人证')
    await h.screenshot('item-guide')
    await h.tap('item-apply')
    await h.see('page-apply')
  })

  await h.step('apply for the child: the form follows show_if', async () => {
    const own = await page.locator('[data-testid="applicant-self"]').count()
    assert(own === 0, 'the item is for a family member only, but "myself" is offered')
    await page.locator('[data-testid^="applicant-m"]').first().click()
    // the child's name and ID number come from the child's record: shown, not asked again (the
    // guardian reads the name in full, the number masked), with "由登记信息自动填写"
    const shownName = await h.text('field-child_name')
    assert(shownName === childName, `the child's name is not filled in from the record: "${shownName}"`)
    const shownId = await h.text('field-child_id_number')
    assert(shownId === `${childId.slice(0, 4)}${'*'.repeat(10)}${childId.slice(-4)}`, `the child's ID number is not shown masked: "${shownId}"`)
    assert((await page.locator('[data-testid="field-child_name"] input, input[data-testid="field-child_name"]').count()) === 0, "the child's name can still be typed")
    await h.see('field-prefilled-child_id_number')
    await page.locator('[data-testid="form-field-child_id_number"]').scrollIntoViewIfNeeded()
    await h.screenshot('apply-prefilled')
    await h.tap('field-disability_type-hearing')
    await h.tap('field-residence-hukou')
    await h.tap('field-has_disability_certificate-false')
    await h.see('form-field-has_diagnosis') // shown only without a disability certificate
    await h.tap('field-has_disability_certificate-true')
    await page.locator('[data-testid="form-field-has_diagnosis"]').waitFor({ state: 'detached' })
    await h.tap('field-rehabilitation_indicated-true')
    await h.tap('field-aid_item-full_time_training')
    await h.tap('field-institution_kind-public') // shown for monthly training items
    await h.tap('field-priority_group-none')
    await h.fill('field-guardian_phone', '1380013') // wrong on purpose: the server's message shows beside it
    await h.screenshot('apply-form')
    await h.tap('apply-save')
    await h.see('apply-materials')
    await h.waitText('apply-number', /\d{8}/)
    const saved = await h.text('field-child_id_number') // now the server's own value, masked
    assert(saved === `${childId.slice(0, 4)}${'*'.repeat(10)}${childId.slice(-4)}`, `the saved ID number is not the child's, masked: "${saved}"`)
  })

  await h.step('upload the required materials (PNG, PNG, PDF)', async () => {
    await upload(h, 'application_form', { name: 'application.png', mimeType: 'image/png', buffer: pngBytes() })
    await upload(h, 'id_or_household_book', { name: 'household.png', mimeType: 'image/png', buffer: pngBytes() })
    await upload(h, 'disability_proof', { name: 'diagnosis.pdf', mimeType: 'application/pdf', buffer: pdfBytes() })
    await h.screenshot('apply-materials')
  })

  await h.step('submit: the server refuses the phone number, shown beside the field', async () => {
    await h.tap('apply-submit')
    await h.see('field-error-guardian_phone')
    await page.locator('[data-testid="field-error-guardian_phone"]').scrollIntoViewIfNeeded()
    await h.screenshot('apply-field-error')
  })

  let number
  await h.step('fix the phone and submit: the case is submitted', async () => {
    await h.fill('field-guardian_phone', '13800138000')
    await h.tap('apply-submit')
    await h.see('page-application')
    await caseState(h, 'submitted')
    number = await h.text('case-number')
    console.log(`    case ${number}`)
    await h.screenshot('case-submitted')
  })

  // ---- staff, in a second browser ----
  const second = await launchBrowser()
  try {
    const s = h.forPage(second.page)
    await staffLogin(s, 'officer.sw')

    await s.step('officer.sw claims the case from intake and asks for a supplement', async () => {
      await openFromQueue(s, 'intake', number)
      await s.waitText('staff-materials', 'diagnosis.pdf')
      await s.see('rule-results')
      await s.screenshot('staff-case')
      await ensureClaimed(s)
      await act(s, 'request_supplement', { reasons: '请补充儿童居住证', comment: '居住证用于核对申请地' })
      await s.screenshot('staff-supplement-form')
      await s.tap('action-confirm')
      await caseState(s, 'supplement_requested')
      await shotTop(s, 'staff-supplement-requested')
    })

    await h.step('resident sees the supplement request with its reason and deadline', async () => {
      await page.reload()
      await h.see('supplement')
      await h.waitText('supplement-reasons', '请补充儿童居住证')
      await h.waitText('supplement-due', /\d{4}-\d{2}-\d{2}/)
      await h.screenshot('case-supplement')
    })

    await h.step('resident adds the residence permit and resubmits', async () => {
      await upload(h, 'residence_permit', { name: 'permit.pdf', mimeType: 'application/pdf', buffer: pdfBytes() })
      await h.tap('resubmit')
      await caseState(h, 'resubmitted')
      await shotTop(h, 'case-resubmitted')
    })

    await s.step('officer.sw accepts: with 受审分离 the case goes back to the review queue', async () => {
      await s.page.reload()
      await s.see('page-staff-case')
      await caseState(s, 'resubmitted')
      await ensureClaimed(s)
      await act(s, 'accept')
      await s.tap('action-confirm')
      await caseState(s, 'accepted')
      await s.waitAttr('claim-card', 'data-claimed', 'none')
      await shotTop(s, 'staff-accepted')
    })

    await s.step('officer.sw signs out', async () => {
      await s.reopen('/pages/staff/index')
      await s.see('page-staff')
      await s.tap('staff-logout')
      await s.see('page-staff-login')
    })

    await staffLogin(s, 'reviewer.sw')

    await s.step('reviewer.sw claims it from the review queue, reviews and approves', async () => {
      await openFromQueue(s, 'review', number)
      await ensureClaimed(s)
      await act(s, 'review')
      await s.tap('action-confirm')
      await caseState(s, 'under_review')
      await s.see('action-approve')
      await shotTop(s, 'staff-under-review')
      await act(s, 'approve', { comment: '符合救助条件' })
      // the written decision: attached to the case and cited in the approval
      const [chooser] = await Promise.all([s.page.waitForEvent('filechooser'), s.tap('action-attach')])
      await chooser.setFiles({ name: 'decision.pdf', mimeType: 'application/pdf', buffer: pdfBytes() })
      await s.page.waitForSelector('[data-testid="action-attachment"][data-selected="true"]')
      await s.screenshot('staff-approve-attachment')
      await s.tap('action-confirm')
      // an item delivered only as an e-certificate is delivered by the system at once
      await s.page.waitForSelector('[data-testid="case-state"][data-state="approved"], [data-testid="case-state"][data-state="delivered"]')
      await shotTop(s, 'staff-approved')
    })
  } catch (err) {
    await h.forPage(second.page).screenshot('staff-failure').catch(() => undefined)
    console.log(`  staff browser at ${second.page.url()}`)
    throw err
  } finally {
    await second.close()
  }

  await h.step('resident sees the case approved, with its timeline', async () => {
    await page.reload()
    await page.waitForSelector('[data-testid="case-state"][data-state="approved"], [data-testid="case-state"][data-state="delivered"]')
    await page.waitForSelector('[data-testid="timeline-step"][data-step="approve"]')
    await h.waitText('staff-files', 'decision.pdf') // the office's written decision
    await shotTop(h, 'case-approved')
  })

  await h.step('the e-certificate is in the wallet', async () => {
    await h.reopen('/pages/certificates/index')
    await h.see('page-wallet')
    await page.waitForSelector('[data-testid="certificate"], [data-testid="wallet-empty"]')
    assert((await page.locator('[data-testid="wallet-empty"]').count()) === 0, 'the wallet is empty: no e-certificate was issued for the approved case')
    await h.screenshot('wallet')
    await h.tap('certificate')
    await h.see('page-certificate')
    await h.waitText('certificate-detail-number', /[A-Z0-9]+-\d+/)
    await h.screenshot('certificate-detail')
    // the certificate as a QR code a counter scans (kind certificate)
    await h.tap('certificate-qr-show')
    const qr = page.locator('[data-testid="certificate-qr"][data-state="shown"][data-kind="certificate"]')
    await qr.waitFor({ state: 'visible' })
    assert(/^PC:[A-Z2-7]+$/.test((await qr.getAttribute('data-token')) ?? ''), 'no certificate token')
    await h.screenshot('certificate-qr')
  })

  await h.step('rate the service 非常满意', async () => {
    await h.reopen('/pages/applications/index')
    await page.locator(`[data-testid="application"][data-item="${ITEM}"]`).first().click()
    await h.see('page-application')
    await h.tap('rate')
    await h.see('page-rate')
    await h.tap('rate-level-very_satisfied')
    await h.tap('rate-attitude-very_satisfied')
    await h.screenshot('rate-form')
    await h.tap('rate-submit')
    await page.waitForSelector('[data-testid="rate-done"], [data-testid="rate-closed"]')
    const closed = await page.locator('[data-testid="rate-closed"]').count()
    await h.screenshot('rated')
    assert(closed === 0, `rating refused: ${await page.locator('[data-testid="rate-closed"]').innerText().catch(() => '')}`)
  })

  await h.step('我的办件 with the API down says it failed and offers 重试, never "no applications"', async () => {
    const down = (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"服务暂不可用"}}' })
    await page.route('**/api/v1/applications', down)
    await h.reopen('/pages/applications/index')
    await h.see('applications-error')
    assert((await page.locator('[data-testid="applications-empty"]').count()) === 0, 'a failure shown as an empty list')
    await h.screenshot('applications-failed')
    await page.unroute('**/api/v1/applications', down)
    await h.tap('applications-retry')
    await page.waitForSelector(`[data-testid="application"][data-number="${number}"]`)
    await h.screenshot('applications-retried')
  })

  await h.step('English and care mode: my applications and the certificate by name, nothing raw', async () => {
    await h.reopen('/pages/profile/index')
    await h.tap('lang-en')
    await h.waitAttr('lang-en', 'data-selected', 'true')
    await h.tap('care-toggle')
    await h.waitAttr('care-toggle', 'data-checked', 'true')
    await h.screenshot('profile-en-care')
    await h.reopen('/pages/applications/index')
    await page.waitForSelector(`[data-testid="application"][data-number="${number}"]`)
    await h.screenshot('applications-en-care')
    await h.reopen('/pages/certificates/index')
    await h.tap('certificate')
    await h.see('certificate-detail')
    await h.screenshot('certificate-en-care')
    await h.reopen('/pages/profile/index')
    await h.tap('lang-zh_Hans')
    await h.waitAttr('lang-zh_Hans', 'data-selected', 'true')
    await h.tap('care-toggle')
    await h.waitAttr('care-toggle', 'data-checked', 'false')
  })

  await h.step('inbox: messages about the case (when the outbox worker delivered them); opening one marks it read', async () => {
    await h.reopen('/pages/inbox/index')
    await h.see('page-inbox')
    await page.waitForSelector('[data-testid="message"], [data-testid="inbox-empty"]')
    await h.screenshot('inbox')
    const unread = page.locator('[data-testid="message"][data-read="false"]')
    if ((await unread.count()) === 0) {
      console.log('    inbox empty: no outbox worker delivered messages in this run')
      return
    }
    const before = await unread.count()
    await unread.first().click()
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="message"][data-read="false"]').length < n,
      before,
    )
  })
})
