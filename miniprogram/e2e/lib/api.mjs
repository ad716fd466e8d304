// A small API client for flows that make their data through the API rather than the UI (the audit
// makes a case, an e-certificate, appointments, a payment and a health card before visiting pages).
//
//   const alice = await resident(base, 'alice')         // sandbox WeChat login (`dev:<name>`)
//   const officer = await staff(base, 'officer.qy')     // demo staff password
//   const app = await alice.post('/api/v1/applications', { item_code, form })
//
// Every call throws on a status outside 2xx, with the server's error code and message.

export const STAFF_PASSWORD = 'palmcity-demo-2026'

function session(base, token) {
  async function call(method, path, body, extra = {}) {
    const headers = { Authorization: `Bearer ${token}`, 'Accept-Language': 'zh-Hans', ...extra.headers }
    let payload
    if (body instanceof FormData) payload = body
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      payload = JSON.stringify(body)
    }
    // creating POSTs are idempotent by key (the app sends one too)
    if (method === 'POST') headers['Idempotency-Key'] = crypto.randomUUID()
    const res = await fetch(`${base}${path}`, { method, headers, body: payload })
    const text = await res.text()
    const data = text ? JSON.parse(text) : null
    if (!res.ok) {
      const err = new Error(`${method} ${path} → ${res.status} ${data?.error?.code ?? ''} ${data?.error?.message ?? text.slice(0, 200)}`)
      err.status = res.status
      err.code = data?.error?.code
      throw err
    }
    return data
  }
  return {
    token,
    get: (path) => call('GET', path),
    post: (path, body = {}) => call('POST', path, body),
    patch: (path, body) => call('PATCH', path, body),
    put: (path, body) => call('PUT', path, body),
    /** multipart upload of one file with extra form fields */
    upload: (path, { name, type, bytes }, fields = {}) => {
      const form = new FormData()
      for (const [k, v] of Object.entries(fields)) form.append(k, v)
      form.append('file', new Blob([bytes], { type }), name)
      return call('POST', path, form)
    },
  }
}

async function postJson(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  const data = await res.json().catch(() => null)
  if (!res.ok) throw new Error(`POST ${url} → ${res.status} ${JSON.stringify(data)?.slice(0, 200)}`)
  return data
}

/** A resident signed in through the sandbox WeChat login, as the H5 login page does. */
export async function resident(base, name) {
  const pair = await postJson(`${base}/api/v1/auth/wechat/login`, { code: `dev:${name}` })
  return { ...session(base, pair.access_token), user: pair.user }
}

/** A demo staff account signed in with the demo password. */
export async function staff(base, username, password = STAFF_PASSWORD) {
  const pair = await postJson(`${base}/api/v1/staff/auth/login`, { username, password })
  return { ...session(base, pair.access_token), account: pair.account }
}

/** Dates (YYYY-MM-DD, China time) from tomorrow on, `count` of them. */
export function nextDays(count = 7, from = new Date()) {
  const days = []
  for (let i = 1; i <= count; i++) {
    const d = new Date(from.getTime() + i * 86400000)
    days.push(d.toLocaleDateString('en-CA', { timeZone: 'Asia/Shanghai' }))
  }
  return days
}

/** The first bookable slot of a service on the days given (skipping `exceptDays`): { date, slot }. */
export async function firstBookable(api, serviceId, { exceptDays = [] } = {}) {
  for (const date of nextDays()) {
    if (exceptDays.includes(date)) continue
    const { slots } = await api.get(`/api/v1/appointments/services/${serviceId}/slots?date=${date}`)
    const slot = slots.find((s) => s.bookable)
    if (slot) return { date, slot }
  }
  throw new Error(`service ${serviceId} has no bookable slot in the next 7 days`)
}
