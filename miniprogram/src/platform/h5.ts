import { isSandboxPay, isSandboxUrl, type NoticePayParams, type PayParams, type PickedFile, type Platform, type TransportResponse, type UploadParams } from './types'

const ACCEPT = '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png'

/** A hidden <input type=file> (kept in the DOM so browsers and tests see the chooser). */
function pickWithInput(): Promise<PickedFile | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input')
    input.type = 'file'
    input.accept = ACCEPT
    input.style.display = 'none'
    input.setAttribute('data-testid', 'file-input')
    document.body.appendChild(input)
    const done = (file: File | null) => {
      input.remove()
      resolve(file ? { name: file.name, size: file.size, blob: file } : null)
    }
    input.addEventListener('change', () => done(input.files && input.files[0] ? input.files[0] : null))
    input.addEventListener('cancel', () => done(null))
    input.click()
  })
}

/** Backend paths (the API's origin) made absolute; outside URLs kept. */
function absolute(url: string): string {
  return /^https?:\/\//.test(url) ? url : `${API_BASE}${url}`
}

async function asResponse(res: Response): Promise<TransportResponse> {
  const text = await res.text()
  let data: unknown = text
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    /* keep the text */
  }
  return { statusCode: res.status, data }
}

/** Browser (H5) implementation: sandbox stand-ins for WeChat-only capabilities. */
const h5: Platform = {
  name: 'h5',
  loginNeedsName: true,

  async getLoginCode(name?: string) {
    const n = (name ?? '').trim()
    if (!n) throw new Error('name required')
    return `dev:${n}`
  },

  phoneUsesOpenType: false,
  async getPhoneCode() {
    return 'dev-phone'
  },

  canScanCode: false,
  async scanCode() {
    // No camera scanning in the sandbox: let the tester paste the QR text.
    const text = typeof window !== 'undefined' ? window.prompt('QR code text') : null
    if (!text) throw new Error('scan cancelled')
    return text
  },

  async requestPayment(params: PayParams) {
    // The browser has no WeChat Pay: only the backend's sandbox payments. The app's pay page is the
    // sandbox pay sheet; its button lands here and pays as the payer would.
    if (!isSandboxPay(params)) throw new Error('payment not available in the browser')
    const res = await fetch(params.complete_url, { method: 'POST', headers: { Accept: 'application/json' } })
    if (!res.ok) throw new Error(`sandbox payment failed (${res.status})`)
  },

  async payByNotice({ pay_url }: NoticePayParams) {
    const url = absolute(pay_url)
    if (isSandboxUrl(pay_url)) {
      // the sandbox public payment platform: pay as the payer would on its page; the callback follows
      const res = await fetch(url, { method: 'POST', headers: { Accept: 'application/json' } })
      if (!res.ok) throw new Error(`sandbox payment failed (${res.status})`)
      return 'paid'
    }
    window.location.href = url // the platform's own page; it sends the payer back to the app
    return 'opened'
  },

  openPage(url: string) {
    window.open(absolute(url), '_blank')
  },

  identityReturnUrl() {
    const { origin, pathname } = window.location
    // Normally `${origin}/h5/#/pages/identity/callback`; derived from the page so any mount path works.
    const base = pathname.endsWith('/') ? pathname : pathname.replace(/[^/]*$/, '')
    return `${origin}${base || '/h5/'}#/pages/identity/callback`
  },

  openAuthorizeUrl(url: string) {
    window.location.href = url
  },

  pickFile() {
    return pickWithInput()
  },

  async uploadFile({ url, header, fileField, file, formData }: UploadParams) {
    const body = new FormData()
    for (const [k, v] of Object.entries(formData)) body.append(k, v)
    if (!file.blob) throw new Error('no file')
    body.append(fileField, file.blob, file.name)
    // no Content-Type: the browser sets the multipart boundary
    return asResponse(await fetch(url, { method: 'POST', headers: header, body }))
  },

  async openFile(url: string, header: Record<string, string>, filename: string) {
    const res = await fetch(url, { headers: header })
    if (!res.ok) return asResponse(res)
    const blob = await res.blob()
    const href = URL.createObjectURL(blob)
    const a = document.createElement('a')
    a.href = href
    a.download = filename
    a.target = '_blank'
    document.body.appendChild(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(href), 60_000)
    return { statusCode: res.status, data: null }
  },
}

export default h5
