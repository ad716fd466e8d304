#!/usr/bin/env node
// Run an e2e flow against the in-memory mock backend (front-end-only check):
//   npm run e2e:mock            (runs e2e/foundation.mjs)
//   node e2e/mock/run.mjs e2e/other-flow.mjs
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startMock } from './server.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const script = process.argv[2] ?? 'e2e/foundation.mjs'
// Short access-token lifetime so the flow also exercises the refresh path.
process.env.MOCK_ACCESS_TTL ??= '5'
const server = await startMock(0)
const base = `http://127.0.0.1:${server.address().port}`
console.log(`mock backend at ${base}`)
const child = spawn(process.execPath, [path.resolve(root, script)], {
  stdio: 'inherit',
  env: { ...process.env, E2E_BASE_URL: base },
})
child.on('exit', (code) => {
  server.close()
  process.exit(code ?? 1)
})
