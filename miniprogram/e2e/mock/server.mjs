#!/usr/bin/env node
// Throwaway stand-in for the PalmCity backend, for front-end work while the real backend is not running.
// It serves dist/h5 at /h5/ and implements the foundation API contract in memory (auth with short-lived
// tokens and refresh, /me, real-name verification through a sandbox provider page, family, invitations).
// It is NOT the backend: the real e2e runs against the Sanic server.
//
//   node e2e/mock/server.mjs [--port 8765]
//   MOCK_ACCESS_TTL=seconds (real access-token life, default 900), MOCK_LOG=1 (log API calls)
import http from 'node:http'
import { randomBytes, randomUUID } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const DIST = path.resolve(here, '../../dist/h5')
// Real access-token lifetime; the advertised expires_in stays 900 so that a short MOCK_ACCESS_TTL makes
// the client meet a 401 and refresh (like a revoked token or a skewed clock).
const accessTtl = () => Number(process.env.MOCK_ACCESS_TTL ?? 900)

const db = {
  users: new Map(), // id -> user record (full data)
  byOpenid: new Map(), // dev name -> id
  access: new Map(), // token -> { userId, exp }
  refresh: new Map(), // token -> userId
  sessions: new Map(), // state -> { userId, returnTo }
  codes: new Map(), // code -> { state, name, idNumber, level }
  family: [], // { id, ownerId, relation, name, idNumber, status, isMinor, guardianship }
  guardians: new Map(), // child ID number -> guardian ID numbers (the sandbox population register)
  idempotency: new Map(), // key -> response
}
let seq = 1
const token = () => randomBytes(24).toString('base64url')

const MESSAGES = {
  unauthenticated: { zh: '请先登录', hant: '請先登入', en: 'Please sign in' },
  invalid_code: { zh: '登录凭证无效', hant: '登入憑證無效', en: 'Invalid login code' },
  invalid_refresh: { zh: '登录已失效', hant: '登入已失效', en: 'Session expired' },
  validation: { zh: '请求参数有误', hant: '請求參數有誤', en: 'Invalid request' },
  invalid_id: { zh: '身份证号不正确', hant: '身份證號碼不正確', en: 'Invalid ID number' },
  not_verified: { zh: '请先完成实名认证', hant: '請先完成實名認證', en: 'Please verify your real name first' },
  not_found: { zh: '记录不存在', hant: '記錄不存在', en: 'Not found' },
  duplicate: { zh: '该成员已添加', hant: '該成員已添加', en: 'This member was already added' },
  bad_state: { zh: '认证会话无效', hant: '認證會話無效', en: 'Invalid verification session' },
  idempotency: { zh: '缺少幂等键', hant: '缺少冪等鍵', en: 'Missing Idempotency-Key' },
}

function lang(req) {
  const al = String(req.headers['accept-language'] ?? '')
  if (/^en/i.test(al)) return 'en'
  if (/zh-(Hant|TW|HK|MO)/i.test(al)) return 'hant'
  return 'zh'
}

function send(res, status, body, headers = {}) {
  const data = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
  res.end(data)
}

function fail(req, res, status, code, details) {
  const m = MESSAGES[code] ?? MESSAGES.validation
  send(res, status, { error: { code, message: m[lang(req)], details: details ?? null }, request_id: randomUUID() })
}

async function body(req) {
  const chunks = []
  for await (const c of req) chunks.push(c)
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text) return {}
  if (String(req.headers['content-type']).includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text))
  }
  try {
    return JSON.parse(text)
  } catch {
    return {}
  }
}

const maskName = (n) => (n ? n[0] + '*'.repeat(Math.max(1, n.length - 1)) : null)
const maskId = (id) => (id ? id.slice(0, 4) + '*'.repeat(10) + id.slice(-4) : null)

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
function validId(id) {
  if (!/^\d{17}[\dX]$/.test(id ?? '')) return false
  let s = 0
  for (let i = 0; i < 17; i++) s += Number(id[i]) * WEIGHTS[i]
  return '10X98765432'[s % 11] === id[17]
}
function ageOf(id) {
  const b = new Date(`${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}T00:00:00Z`)
  const now = new Date()
  let age = now.getUTCFullYear() - b.getUTCFullYear()
  if (now.getUTCMonth() < b.getUTCMonth() || (now.getUTCMonth() === b.getUTCMonth() && now.getUTCDate() < b.getUTCDate())) age--
  return age
}

function publicUser(u) {
  return {
    id: u.id,
    nickname: u.nickname,
    phone: u.phone,
    identity_level: u.level,
    real_name_verified: u.verified,
    name: maskName(u.name),
    id_number: maskId(u.idNumber),
    locale: u.locale,
    care_mode: u.careMode,
  }
}

function issue(userId) {
  const access = token()
  const refresh = token()
  db.access.set(access, { userId, exp: Date.now() + accessTtl() * 1000 })
  db.refresh.set(refresh, userId)
  return { access_token: access, refresh_token: refresh, expires_in: 900, user: publicUser(db.users.get(userId)) }
}

function authUser(req) {
  const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))
  const rec = m && db.access.get(m[1])
  if (!rec || rec.exp < Date.now()) return null
  return db.users.get(rec.userId)
}

const publicMember = (f) => ({
  id: f.id,
  relation: f.relation,
  name: maskName(f.name),
  id_number: maskId(f.idNumber),
  status: f.status,
  is_minor: f.isMinor,
  guardianship: f.guardianship,
  proof: null,
})

function providerPage(state) {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Sandbox identity provider</title>
<style>body{font-family:sans-serif;margin:0;background:#f4f6fa}main{margin:24px;padding:20px;background:#fff;border-radius:12px}
label{display:block;margin:14px 0 6px;color:#555}input,select{width:100%;box-sizing:border-box;padding:10px;font-size:16px}
button{margin-top:20px;width:100%;padding:12px;font-size:17px;background:#1677ff;color:#fff;border:0;border-radius:22px}</style></head>
<body><main><h2>统一身份认证（沙箱 · mock）</h2><form method="post" action="/sandbox/identity/authorize">
<input type="hidden" name="state" value="${state}">
<label for="name">姓名</label><input id="name" name="name" required>
<label for="id_number">身份证号</label><input id="id_number" name="id_number" required>
<label for="level">认证等级</label><select id="level" name="level"><option>L2</option><option selected>L3</option><option>L4</option><option>L5</option></select>
<button id="submit" type="submit">同意并认证</button></form></main></body></html>`
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain' }

async function serveStatic(req, res, pathname) {
  let rel = decodeURIComponent(pathname.slice('/h5/'.length)) || 'index.html'
  const file = path.resolve(DIST, rel)
  if (!file.startsWith(DIST)) return send(res, 404, { error: { code: 'not_found', message: 'not found' } })
  try {
    const st = await stat(file)
    if (!st.isFile()) throw new Error('dir')
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
    res.end(await readFile(file))
  } catch {
    send(res, 404, { error: { code: 'not_found', message: 'not found' } })
  }
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://mock')
  const p = url.pathname
  const method = req.method

  if (p === '/healthz') return send(res, 200, { status: 'ok', mock: true })
  if (p === '/h5') return send(res, 302, undefined, { Location: '/h5/' })
  if (p.startsWith('/h5/')) return serveStatic(req, res, p)

  // Sandbox identity provider (the real backend serves its own page; same form ids).
  if (p === '/sandbox/identity/authorize' && method === 'GET') {
    const state = url.searchParams.get('state') ?? ''
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    return res.end(providerPage(state.replace(/[^\w-]/g, '')))
  }
  if (p === '/sandbox/identity/authorize' && method === 'POST') {
    const f = await body(req)
    const sess = db.sessions.get(f.state)
    if (!sess) return fail(req, res, 400, 'bad_state')
    if (!validId(f.id_number)) return fail(req, res, 400, 'invalid_id')
    const code = token()
    db.codes.set(code, { state: f.state, name: f.name, idNumber: f.id_number, level: f.level || 'L2' })
    const sep = sess.returnTo.includes('?') ? '&' : '?'
    res.writeHead(302, { Location: `${sess.returnTo}${sep}code=${code}&state=${f.state}` })
    return res.end()
  }

  if (!p.startsWith('/api/v1/')) return send(res, 404, { error: { code: 'not_found', message: 'not found' } })

  // Idempotency-Key on creating POSTs (not auth): replay the first answer.
  const creating = method === 'POST' && !p.startsWith('/api/v1/auth/')
  const idemKey = req.headers['idempotency-key']
  if (creating && !idemKey) return fail(req, res, 400, 'idempotency')
  if (creating && db.idempotency.has(idemKey)) {
    const prev = db.idempotency.get(idemKey)
    return send(res, prev.status, prev.body)
  }
  const reply = (status, b) => {
    if (creating && status < 500) db.idempotency.set(idemKey, { status, body: b })
    return send(res, status, b)
  }

  const data = method === 'GET' || method === 'DELETE' ? {} : await body(req)

  if (p === '/api/v1/auth/wechat/login' && method === 'POST') {
    const m = /^dev:(.+)$/.exec(String(data.code ?? ''))
    if (!m) return fail(req, res, 400, 'invalid_code')
    let id = db.byOpenid.get(m[1])
    if (!id) {
      id = seq++
      db.byOpenid.set(m[1], id)
      db.users.set(id, { id, nickname: null, phone: null, level: 'L1', verified: false, name: null, idNumber: null, locale: 'zh_Hans', careMode: false })
    }
    return send(res, 200, issue(id))
  }
  if (p === '/api/v1/auth/refresh' && method === 'POST') {
    const userId = db.refresh.get(data.refresh_token)
    if (!userId) return fail(req, res, 401, 'invalid_refresh')
    db.refresh.delete(data.refresh_token) // rotation
    return send(res, 200, issue(userId))
  }
  if (p === '/api/v1/auth/logout' && method === 'POST') {
    db.refresh.delete(data.refresh_token)
    res.writeHead(204)
    return res.end()
  }

  const user = authUser(req)
  if (!user) return fail(req, res, 401, 'unauthenticated')

  if (p === '/api/v1/me' && method === 'GET') return send(res, 200, publicUser(user))
  if (p === '/api/v1/me' && method === 'PATCH') {
    if (data.locale !== undefined) {
      if (!['zh_Hans', 'zh_Hant', 'en'].includes(data.locale)) return fail(req, res, 400, 'validation', { field: 'locale' })
      user.locale = data.locale
    }
    if (typeof data.care_mode === 'boolean') user.careMode = data.care_mode
    if (typeof data.nickname === 'string') user.nickname = data.nickname
    return send(res, 200, publicUser(user))
  }
  if (p === '/api/v1/me/phone' && method === 'POST') {
    user.phone = '138****0000'
    return reply(200, publicUser(user))
  }

  if (p === '/api/v1/identity/sessions' && method === 'POST') {
    if (!data.return_to) return fail(req, res, 400, 'validation', { field: 'return_to' })
    const state = token()
    db.sessions.set(state, { userId: user.id, returnTo: data.return_to })
    return reply(201, { authorize_url: `/sandbox/identity/authorize?state=${state}` })
  }
  if (p === '/api/v1/identity/callback' && method === 'POST') {
    const c = db.codes.get(data.code)
    const sess = db.sessions.get(data.state)
    if (!c || c.state !== data.state || !sess || sess.userId !== user.id) return fail(req, res, 400, 'bad_state')
    db.codes.delete(data.code)
    Object.assign(user, { verified: true, name: c.name, idNumber: c.idNumber, level: c.level })
    return reply(200, publicUser(user))
  }

  if (p === '/sandbox/population/children' && method === 'POST') {
    if (!user.verified) return fail(req, res, 403, 'not_verified')
    db.guardians.set(data.id_number, [...(db.guardians.get(data.id_number) ?? []), user.idNumber])
    return send(res, 204)
  }
  if (p === '/api/v1/family' && method === 'GET') {
    return send(res, 200, { items: db.family.filter((f) => f.ownerId === user.id).map(publicMember) })
  }
  if (p === '/api/v1/family' && method === 'POST') {
    if (!['child', 'spouse', 'parent', 'other'].includes(data.relation)) return fail(req, res, 400, 'validation', { field: 'relation' })
    if (!data.name) return fail(req, res, 400, 'validation', { field: 'name' })
    if (!validId(data.id_number)) return fail(req, res, 400, 'invalid_id', { field: 'id_number' })
    if (db.family.some((f) => f.ownerId === user.id && f.idNumber === data.id_number)) return fail(req, res, 409, 'duplicate')
    const isMinor = ageOf(data.id_number) < 18
    const member = {
      id: seq++,
      ownerId: user.id,
      relation: data.relation,
      name: data.name,
      idNumber: data.id_number,
      isMinor,
      status: ageOf(data.id_number) < 14 ? 'active' : 'pending_consent',
      // under 14: proven when the sandbox register lists the resident as a guardian
      guardianship:
        ageOf(data.id_number) >= 14
          ? 'not_required'
          : (db.guardians.get(data.id_number) ?? []).includes(user.idNumber)
            ? 'proven'
            : 'pending',
    }
    db.family.push(member)
    return reply(201, publicMember(member))
  }
  if (p === '/api/v1/family/invitations' && method === 'GET') {
    const items = user.verified
      ? db.family
          .filter((f) => f.status === 'pending_consent' && f.idNumber === user.idNumber)
          .map((f) => ({ id: f.id, from_name: maskName(db.users.get(f.ownerId)?.name ?? db.users.get(f.ownerId)?.nickname), relation: f.relation }))
      : []
    return send(res, 200, { items })
  }
  let m = /^\/api\/v1\/family\/invitations\/(\d+)\/accept$/.exec(p)
  if (m && method === 'POST') {
    const f = db.family.find((x) => x.id === Number(m[1]))
    if (!f || f.idNumber !== user.idNumber || !user.verified) return fail(req, res, 404, 'not_found')
    f.status = 'active'
    return reply(200, publicMember(f))
  }
  m = /^\/api\/v1\/family\/(\d+)$/.exec(p)
  if (m && method === 'DELETE') {
    const i = db.family.findIndex((x) => x.id === Number(m[1]) && x.ownerId === user.id)
    if (i < 0) return fail(req, res, 404, 'not_found')
    db.family.splice(i, 1)
    res.writeHead(204)
    return res.end()
  }
  return fail(req, res, 404, 'not_found')
}

export function startMock(port = 0, host = '127.0.0.1') {
  const server = http.createServer((req, res) => {
    if (process.env.MOCK_LOG) {
      res.on('finish', () => {
        if (!req.url.startsWith('/h5/')) console.log(`mock: ${req.method} ${req.url.split('?')[0]} → ${res.statusCode}${req.headers['idempotency-key'] ? ' (idempotency-key)' : ''}`)
      })
    }
    handle(req, res).catch((err) => {
      console.error(err)
      send(res, 500, { error: { code: 'internal', message: String(err) } })
    })
  })
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--port')
  const port = i > 0 ? Number(process.argv[i + 1]) : 8765
  const server = await startMock(port)
  console.log(`mock backend on http://127.0.0.1:${server.address().port}/h5/ (dist: ${DIST})`)
}
