#!/usr/bin/env node
// The API's documentation at ${E2E_BASE_URL}/docs, with the network blocked except the app itself:
// Swagger UI renders the operations from the app's own files (no CDN), and after "Authorize" with a
// resident's access token, a tried request (GET /api/v1/me) carries `Authorization: Bearer <token>`
// and is answered 200. And the staff login page, which the README and `make run` send staff to, opens
// at its own address in a browser with no resident session.
//
//   E2E_BASE_URL=http://127.0.0.1:8000 node e2e/docs.mjs
import { randomLoginName, runFlow } from './lib/harness.mjs'
import { assert } from './lib/resident.mjs'

const ME = '/api/v1/me'

await runFlow('docs', async (h) => {
  const { page, config } = h
  const app = new URL(config.base)
  const blocked = []
  // Everything but the app is refused, as on a machine with no network (or behind a firewall
  // that drops the CDNs): what the page needs has to come from the app.
  await page.context().route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (url.host === app.host) return route.continue()
    blocked.push(url.href)
    return route.abort('internetdisconnected')
  })
  await page.setViewportSize({ width: 1280, height: 900 })

  const token = await h.step('a resident logs in through the API (sandbox)', async () => {
    const res = await page.request.post(`${config.base}/api/v1/auth/wechat/login`, {
      data: { code: `dev:${randomLoginName('docs')}` },
    })
    assert(res.status() === 200, `login answered ${res.status()}`)
    return (await res.json()).access_token
  })

  await h.step('/docs renders the operations list offline', async () => {
    await page.goto(`${config.base}/docs`)
    await page.locator('.information-container .title').filter({ hasText: 'PalmCity API' }).waitFor()
    await page.locator('.opblock').first().waitFor({ state: 'visible' })
    const operations = await page.locator('.opblock').count()
    assert(operations >= 100, `only ${operations} operations listed`)
    assert(blocked.length === 0, `the page asked for outside addresses: ${blocked.join(', ')}`)
    await h.screenshot('docs-offline')
  })

  await h.step('Authorize takes the bearer token', async () => {
    await page.locator('.auth-wrapper .authorize').click()
    const dialog = page.locator('.modal-ux')
    await dialog.locator('input').first().fill(token)
    await dialog.locator('.auth-btn-wrapper .authorize').click()
    await dialog.locator('.auth-btn-wrapper .btn-done').click()
    await page.locator('.auth-wrapper .authorize.locked').waitFor()
    await h.screenshot('docs-authorized')
  })

  await h.step('a tried request sends the token and is answered', async () => {
    const me = page.locator('.opblock-get').filter({ has: page.locator(`.opblock-summary-path[data-path="${ME}"]`) })
    await me.locator('.opblock-summary').click()
    await me.locator('.try-out__btn').click()
    const sent = page.waitForRequest((req) => new URL(req.url()).pathname === ME && req.method() === 'GET')
    await me.locator('.execute').click()
    const request = await sent
    const header = request.headers()['authorization']
    assert(header === `Bearer ${token}`, `Authorization header was ${header}`)
    const answered = me.locator('.live-responses-table .response-col_status').filter({ hasText: '200' })
    await answered.waitFor()
    await answered.scrollIntoViewIfNeeded()
    await h.screenshot('docs-tried')
    assert(blocked.length === 0, `the page asked for outside addresses: ${blocked.join(', ')}`)
  })

  await h.step('the staff login page opens at its own address, with no resident login', async () => {
    await page.setViewportSize(config.viewport)
    await page.goto(`${config.base}/h5/#/pages/staff/login`)
    await h.see('page-staff-login')
    await h.see('staff-username')
    await h.screenshot('staff-login-direct')
  })
})
