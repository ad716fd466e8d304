// Shared e2e harness for PalmCity's H5 build: launch Chromium, step logging, screenshots, sandbox login.
// Each flow (foundation.mjs, later appointments, health card…) does:
//
//   import { runFlow } from './lib/harness.mjs'
//   await runFlow('appointments', async (h) => {
//     await h.login()                       // fresh sandbox user
//     await h.step('open appointments', async () => { await h.tap('entry-appointment'); … })
//   })
//
// Environment: E2E_BASE_URL (default http://127.0.0.1:8000), E2E_SCREENSHOTS (folder, default
// e2e/screenshots), E2E_CHROMIUM (default /usr/bin/chromium), E2E_TIMEOUT_MS (per wait, default 15000).
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))

export const config = {
  base: (process.env.E2E_BASE_URL || 'http://127.0.0.1:8000').replace(/\/+$/, ''),
  screenshots: path.resolve(process.env.E2E_SCREENSHOTS || path.join(here, '..', 'screenshots')),
  chromium: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
  timeout: Number(process.env.E2E_TIMEOUT_MS || 15000),
  viewport: { width: 390, height: 844 },
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Launch Chromium with a fresh profile (--user-data-dir). Returns { context, page, close }. */
export async function launchBrowser() {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'palmcity-e2e-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: config.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: config.viewport,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
  })
  context.setDefaultTimeout(config.timeout)
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined)
      await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined)
    },
  }
}

/** A fresh sandbox login name: readable and unique per run. */
export function randomLoginName(prefix = 'e2e') {
  return `${prefix}-${randomBytes(3).toString('hex')}`
}

export const byTestId = (id) => `[data-testid="${id}"]`

/**
 * Helpers bound to one page; `h` in flows. `shots` is the screenshot counter, shared by the helpers
 * of a second browser (h.forPage) so that screenshots of both stay in one numbered sequence.
 */
export function helpers(page, log, shots = { n: 0 }) {
  const h = {
    page,
    config,
    byTestId,
    /** open a hash route of the H5 app, e.g. h.open('/pages/profile/index') */
    async open(route = '') {
      await page.goto(`${config.base}/h5/${route ? `#${route}` : ''}`)
    },
    /**
     * a fresh app load at a hash route: drops Taro's page stack, so earlier (hidden) pages with the
     * same test ids are gone (h.open only changes the hash when the app is already loaded)
     */
    async reopen(route) {
      await h.open(route)
      await page.reload()
    },
    /** wait until an element with data-testid is visible */
    async see(testId, opts = {}) {
      const loc = page.locator(byTestId(testId)).first()
      await loc.waitFor({ state: 'visible', ...opts })
      return loc
    },
    async tap(testId) {
      const loc = await h.see(testId)
      await loc.click()
    },
    /** fill a Taro <Input> (H5 renders <taro-input-core data-testid><input/></taro-input-core>) */
    async fill(testId, value) {
      const host = await h.see(testId)
      const tag = await host.evaluate((el) => el.tagName.toLowerCase())
      const input = tag === 'input' || tag === 'textarea' ? host : host.locator('input, textarea').first()
      await input.fill(value)
    },
    async text(testId) {
      return ((await (await h.see(testId)).innerText()) ?? '').trim()
    },
    /** wait until the element's text matches (string = contains, or RegExp) */
    async waitText(testId, expected, opts = {}) {
      const sel = byTestId(testId)
      await page.waitForFunction(
        ([s, src, flags, isRe]) => {
          const el = document.querySelector(s)
          if (!el) return false
          const txt = el.textContent || ''
          return isRe ? new RegExp(src, flags).test(txt) : txt.includes(src)
        },
        [sel, expected instanceof RegExp ? expected.source : expected, expected instanceof RegExp ? expected.flags : '', expected instanceof RegExp],
        { timeout: opts.timeout ?? config.timeout },
      )
    },
    /** wait for an attribute value on an element */
    async waitAttr(testId, attr, value) {
      await page.waitForSelector(`${byTestId(testId)}[${attr}="${value}"]`, { state: 'attached' })
    },
    /** let Taro's page-transition and toast animations finish (H5 pages slide in) */
    async settle() {
      await page
        .evaluate(async () => {
          const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)))
          await frame()
          await frame()
          await new Promise((r) => setTimeout(r, 60))
          await Promise.race([
            Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))),
            new Promise((r) => setTimeout(r, 1500)),
          ])
        })
        .catch(() => undefined)
    },
    async screenshot(name) {
      await h.settle()
      shots.n += 1
      const file = path.join(config.screenshots, `${String(shots.n).padStart(2, '0')}-${name}.png`)
      await page.screenshot({ path: file })
      log(`    screenshot ${path.relative(process.cwd(), file)}`)
      return file
    },
    /** sandbox login through the UI: home → login page → name → home greets the user. */
    async login(name = randomLoginName()) {
      await h.step(`sandbox login as ${name}`, async () => {
        await h.open()
        await h.see('page-home')
        await h.tap('home-login')
        await h.see('page-login')
        await h.fill('login-name', name)
        await h.tap('login-submit')
        await h.see('home-greeting') // signed in (the greeting shows the nickname when the server has one)
        await h.screenshot('logged-in')
      })
      return name
    },
    /** helpers for another page (e.g. a second browser for staff), sharing steps and screenshot numbers */
    forPage(other) {
      const twin = helpers(other, log, shots)
      twin.step = (...args) => h.step(...args)
      return twin
    },
    step: null, // set by runFlow
  }
  return h
}

/**
 * Run one named flow: prints a line per step, saves a failure screenshot, prints
 * `e2e: N passed, M failed` and sets the exit code. Several flows can be run with runFlows().
 */
export async function runFlows(flows) {
  await mkdir(config.screenshots, { recursive: true })
  let passed = 0
  let failed = 0
  const started = Date.now()
  console.log(`e2e: base ${config.base}, screenshots ${config.screenshots}`)
  for (const [name, fn] of flows) {
    console.log(`flow ${name}`)
    const t0 = Date.now()
    let browser
    try {
      browser = await launchBrowser()
    } catch (err) {
      console.log(`  FAIL launch chromium (${config.chromium}): ${err.message}`)
      failed++
      continue
    }
    const { page } = browser
    const consoleErrors = []
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon/.test(m.location()?.url ?? '')) consoleErrors.push(`console: ${m.text()}`)
    })
    const h = helpers(page, (line) => console.log(line))
    let n = 0
    h.step = async (title, body) => {
      n += 1
      const s0 = Date.now()
      try {
        const result = await body()
        console.log(`  ok   ${n}. ${title} (${Date.now() - s0} ms)`)
        return result
      } catch (err) {
        console.log(`  FAIL ${n}. ${title} (${Date.now() - s0} ms): ${String(err.message ?? err).split('\n')[0]}`)
        throw err
      }
    }
    try {
      await fn(h)
      passed++
      console.log(`  PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    } catch (err) {
      failed++
      console.log(`  at ${page.url()}`)
      await h.screenshot(`${name}-failure`).catch(() => undefined)
      for (const line of consoleErrors.slice(-10)) console.log(`  ${line}`)
      if (process.env.E2E_DEBUG) console.log(err)
      console.log(`  FAIL ${name}`)
    } finally {
      await browser.close()
    }
  }
  console.log(`e2e: total ${((Date.now() - started) / 1000).toFixed(1)} s`)
  console.log(`e2e: ${passed} passed, ${failed} failed`)
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0
  return { passed, failed }
}

export const runFlow = (name, fn) => runFlows([[name, fn]])
