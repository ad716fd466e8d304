import Taro from '@tarojs/taro'
import type { Platform } from './types'

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

  async scanCode() {
    // No camera scanning in the sandbox: let the tester paste the QR text.
    const text = typeof window !== 'undefined' ? window.prompt('QR code text') : null
    if (!text) throw new Error('scan cancelled')
    return text
  },

  async requestPayment() {
    // The backend's sandbox pay confirms orders itself; the H5 build only asks the tester.
    const res = await Taro.showModal({ title: 'Sandbox payment', content: 'Confirm the sandbox payment?' })
    if (!res.confirm) throw new Error('payment cancelled')
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
}

export default h5
