#!/usr/bin/env node
// Foundation flow against the H5 build served by the backend at ${E2E_BASE_URL}/h5/:
// sandbox login → profile → real-name verification through the sandbox provider → verified + masked ID
// → add a child family member (active) → English → care mode → home in care mode → coming-soon page.
//
//   E2E_BASE_URL=http://127.0.0.1:8000 E2E_SCREENSHOTS=/tmp/shots npm run e2e
import { runFlow } from './lib/harness.mjs'
import { makeIdNumber, randomChineseName } from './lib/idcard.mjs'
import { addChild, assert, verifyRealName } from './lib/resident.mjs'

/** Read the signed-in session from local storage and call the API as the page would. */
async function apiGetMe(page) {
  return page.evaluate(async () => {
    const raw = localStorage.getItem('palmcity.tokens')
    let v = raw ? JSON.parse(raw) : null
    if (v && typeof v === 'object' && 'data' in v) v = v.data // Taro H5 storage wraps values
    const res = await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${v?.access}` } })
    return { status: res.status, body: await res.json().catch(() => null) }
  })
}

await runFlow('foundation', async (h) => {
  const { page } = h
  const adultId = makeIdNumber({ birth: '19900101' })
  const adultName = randomChineseName()
  const childId = makeIdNumber({ birth: '20180615' })
  const childName = randomChineseName()
  console.log(`  data: adult ${adultName} ${adultId}, child ${childName} ${childId}`)

  await h.login()

  await verifyRealName(h, { name: adultName, idNumber: adultId, level: 'L3' })
  await addChild(h, { name: childName, idNumber: childId, title: 'add a child family member (born 2018): active at once' })

  await h.step('switch language to English', async () => {
    await h.tap('lang-en')
    await h.waitAttr('lang-en', 'data-selected', 'true')
    await h.waitText('realname-status', 'Verified')
    await h.waitText('realname-card', 'Real-name verification')
    await h.waitText('family-card', 'Family members')
    await h.screenshot('profile-english')
  })

  await h.step('toggle care mode on', async () => {
    await h.tap('care-toggle')
    await h.waitAttr('care-toggle', 'data-checked', 'true')
    await h.waitAttr('page-profile', 'data-care', 'on')
    await h.screenshot('profile-care-mode')
  })

  await h.step('the server kept the language and care mode (PATCH /api/v1/me)', async () => {
    // PATCH is sent right after the local switch; allow it a moment.
    let me
    for (let i = 0; i < 20; i++) {
      me = await apiGetMe(page)
      if (me.status === 200 && me.body?.care_mode === true && me.body?.locale === 'en') break
      await page.waitForTimeout(250)
    }
    assert(me.status === 200, `GET /api/v1/me → ${me.status}`)
    assert(me.body.locale === 'en', `server locale is ${me.body.locale}`)
    assert(me.body.care_mode === true, `server care_mode is ${me.body.care_mode}`)
    assert(me.body.real_name_verified === true, 'server says not verified')
  })

  await h.step('home in care mode shows only the big service entries, in English', async () => {
    await h.tap('tab-home')
    await h.see('page-home')
    await h.waitAttr('page-home', 'data-care', 'on')
    await h.see('entry-office')
    await h.waitText('entry-office', 'Palm Office')
    assert((await page.locator('[data-testid="home-notice"]').count()) === 0, 'care-mode home still shows the guide card')
    await h.screenshot('home-care-mode')
  })

  await h.step('a service entry opens its coming-soon page', async () => {
    await h.tap('entry-parking')
    await h.see('page-soon')
    await h.waitText('soon-title', 'Smart Parking')
    await h.screenshot('coming-soon')
  })
})
