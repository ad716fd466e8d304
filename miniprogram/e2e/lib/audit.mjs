// The page audit's checks (e2e/audit.mjs): what a person sees on a page must not be the app's insides,
// and what they tap must be big enough for a finger.
//
//   const net = trackRequests(page, base)      // same-origin API calls in flight; other origins aborted
//   await settlePage(page, net)                 // the page's root shown, nothing loading, no call in flight
//   const found = await auditPage(page, { chinese: true, allow: ['alice'] })   // → [{ kind, text, where }]
//
// Text: every visible text node (innerText of visible elements), except what the person typed or
// chose, shown as they gave it (input values are not text nodes; a file's name is marked
// `data-user-text`), a QR code's payload (`.credential__token`, `[data-token]` is on the card), and
// numbers: masked ID numbers (digits and `*`, which no pattern matches) and identifiers with letters
// in them (SBCBZM-20260000000001W) or shown on their own (a check-in code), which are no English
// words. Raw codes are
// `snake_case` words, site codes (`QY-HALL`) and JSON braces; on a Chinese page any English word of
// three letters or more, but the allow-list.
//
// Tap targets: every element a person can tap (button, a[href], [role=button], Taro's button, switch,
// checkbox, radio and picker elements, and every element given an onClick/onTap: Taro keeps a
// <View onClick>'s listener in the element's `__events`) that is rendered (checkVisibility, a non-empty box) must be at
// least 44 × 44 CSS px: the conventions (miniprogram/README.md, rule 5) exempt nothing.

/** Words allowed on a Chinese page: proper names and units people read as such in Chinese too. */
export const CHINESE_PAGE_ALLOW = [
  // the file formats an upload accepts: people know them by these names (支持 PDF、JPG、PNG 文件)
  'PDF',
  'JPG',
  'JPEG',
  'PNG',
  // the personal identification number of a static health card: 设置 PIN 码 is how banks say it too
  'PIN',
  // proper names of the product and the platform
  'PalmCity',
  'WeChat',
  // the language picker names each language in itself (English, 简体中文, 繁體中文)
  'English',
]

/** The least width and height of a tap target, in CSS px at 390 px wide (86 design px). */
export const MIN_TARGET = 44

/**
 * Count the page's same-origin requests in flight, and abort requests to any other origin: the app
 * must work offline (a CDN script, the WeChat JS-SDK on the bridge page) and must not wait for one.
 */
export async function trackRequests(page, base) {
  const origin = new URL(base).origin
  const inflight = new Set()
  await page.context().route(
    (url) => url.origin !== origin && (url.protocol === 'http:' || url.protocol === 'https:'),
    (route) => route.abort(),
  )
  page.on('request', (r) => {
    if (r.url().startsWith(origin) && ['fetch', 'xhr'].includes(r.resourceType())) inflight.add(r)
  })
  const done = (r) => inflight.delete(r)
  page.on('requestfinished', done)
  page.on('requestfailed', done)
  return {
    get count() {
      return inflight.size
    },
    clear: () => inflight.clear(),
  }
}

/**
 * Wait until the page has settled: a page root (`[data-testid^="page-"]`) is visible, no LoadState
 * says it is loading, no same-origin API call is in flight (twice in a row, a frame apart: a
 * response often starts the next call), and the page's animations have finished. No fixed sleeps.
 */
export async function settlePage(page, net, { timeout = 15000 } = {}) {
  const until = Date.now() + timeout
  await page.waitForSelector('[data-testid^="page-"]', { state: 'visible', timeout })
  let quiet = 0
  while (quiet < 2) {
    if (Date.now() > until) throw new Error(`the page did not settle within ${timeout} ms (${net.count} API calls in flight)`)
    const loading = await page.evaluate(async () => {
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
      return [...document.querySelectorAll('[data-testid$="-loading"], .credential[data-state="loading"]')].some((el) =>
        el.checkVisibility(),
      )
    })
    quiet = !loading && net.count === 0 ? quiet + 1 : 0
  }
  await page
    .evaluate(() =>
      Promise.race([
        Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))),
        new Promise((r) => setTimeout(r, 1500)), // an infinite animation (a spinner) must not hold the run
      ]),
    )
    .catch(() => undefined)
}

/**
 * Everything wrong on the page as shown now, and how many tap targets were measured: `{ found,
 * measured }`; each finding is `{ kind, text, where }` where `kind` is `snake_case`, `site code`,
 * `JSON`, `English`, `tap target` or `failed or toast` (a page that did not load, or a toast: the
 * audited journey makes no mistakes); `where` is the nearest data-testid (or the tag).
 */
export function auditPage(page, { chinese, allow = [], minTarget = MIN_TARGET }) {
  return page.evaluate(
    ({ chinese, allow, minTarget }) => {
      const SKIP = 'script, style, noscript, input, textarea, .credential__token, [data-user-text]'
      // numbers with letters in them (a certificate's SBCBZM-20260000000001W, a licence plate): an
      // identifier is read as one, it is no English word; a site code has no digit and stays a finding
      const NUMBER = /\b(?=[A-Z0-9-]*\d)[A-Z0-9]+(?:-[A-Z0-9]+)+\b/g
      // a code shown on its own to be read out or typed (a check-in code such as SRMFAJWF)
      const CODE = /^[A-Z0-9]{6,}$/
      const found = []
      const where = (el) => {
        const marked = el.closest('[data-testid]')
        const id = marked ? marked.getAttribute('data-testid') : el.tagName.toLowerCase()
        return marked && marked !== el && el.className && typeof el.className === 'string'
          ? `${id} .${el.className.split(/\s+/)[0]}`
          : id
      }
      const shown = (el) => {
        if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false
        const r = el.getBoundingClientRect()
        return r.width > 0 && r.height > 0
      }

      // -- text ---------------------------------------------------------------------------------
      const rules = [
        ['snake_case', /\b[a-z]+_[a-z_]+\b/g],
        ['site code', /\b[A-Z]{2,}-[A-Z]{2,}\b/g],
        ['JSON', /\{"|"\}/g],
      ]
      if (chinese) rules.push(['English', /\b[A-Za-z]{3,}\b/g])
      const allowed = new Set(allow)
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
      const seen = new Set()
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.nodeValue.replace(/\s+/g, ' ').trim()
        const el = node.parentElement
        if (!text || !el || el.closest(SKIP) || !shown(el)) continue
        for (const [kind, re] of rules) {
          if (kind === 'English' && CODE.test(text)) continue
          const hits = [...(kind === 'English' ? text.replace(NUMBER, ' ') : text).matchAll(re)].map((m) => m[0]).filter((w) => kind !== 'English' || !allowed.has(w))
          if (!hits.length) continue
          const key = `${kind}|${text}`
          if (seen.has(key)) continue
          seen.add(key)
          found.push({ kind, text: text.length > 120 ? `${text.slice(0, 117)}…` : text, hits, where: where(el) })
        }
      }

      // -- tap targets --------------------------------------------------------------------------
      const TAPPABLE =
        'button, a[href], [role="button"], taro-button-core, taro-switch-core, taro-checkbox-core, taro-radio-core, taro-picker-core'
      // Taro's components (taro-view-core…) are custom elements: React's onClick reaches them as a
      // listener Taro keeps in `__events`; plain elements keep theirs in React's props
      const listens = (el) => {
        const taro = el.__events
        if (taro && (taro.click || taro.tap)) return true
        const key = Object.keys(el).find((k) => k.startsWith('__reactProps$'))
        const props = key ? el[key] : null
        return Boolean(props && (props.onClick || props.onTap))
      }
      let measured = 0
      for (const el of document.body.querySelectorAll('*')) {
        const tappable = el.matches(TAPPABLE) || listens(el)
        if (!tappable || !shown(el)) continue
        measured += 1
        const r = el.getBoundingClientRect()
        // half a pixel for sub-pixel layout: 86 design px are 44.72 CSS px at 390 px wide
        if (r.width + 0.5 >= minTarget && r.height + 0.5 >= minTarget) continue
        const label = (el.innerText || el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim().slice(0, 40)
        found.push({
          kind: 'tap target',
          text: label,
          size: `${Math.round(r.width * 10) / 10}×${Math.round(r.height * 10) / 10}`,
          where: where(el),
        })
      }
      // -- a page that failed to load shows no content to audit: that is a finding too ----------
      for (const el of document.querySelectorAll('.load-state--error, .taro__toast, .taro__toast *')) {
        if (shown(el) && el.innerText.trim()) {
          found.push({ kind: 'failed or toast', text: el.innerText.replace(/\s+/g, ' ').trim().slice(0, 120), hits: [], where: where(el) })
          break
        }
      }
      return { found, measured }
    },
    { chinese, allow, minTarget },
  )
}

/** One line per violation, for the failure message. */
export function describe(v) {
  const what = v.kind === 'tap target' ? `${v.size} px "${v.text}"` : `"${v.text}" (${v.hits.join(', ')})`
  return `${v.page} [${v.variant}] ${v.kind}: ${what} at ${v.where}`
}
