import Taro from '@tarojs/taro'
import type { PaymentParams, PhoneNumberDetail, Platform } from './types'

/** WeChat mini-program implementation. The only file that calls WeChat-only APIs. */
const weapp: Platform = {
  name: 'weapp',
  loginNeedsName: false,

  async getLoginCode() {
    const res = await Taro.login()
    if (!res.code) throw new Error(res.errMsg || 'wx.login failed')
    return res.code
  },

  phoneUsesOpenType: true,
  async getPhoneCode(detail?: PhoneNumberDetail) {
    // Since base library 2.21.2 the button event carries a one-time `code` for getuserphonenumber.
    return detail?.code ?? null
  },

  async scanCode() {
    const res = await Taro.scanCode({ onlyFromCamera: false })
    return res.result
  },

  async requestPayment(params: PaymentParams) {
    await Taro.requestPayment({ ...params })
  },

  identityReturnUrl() {
    // The provider page runs in a <web-view>; the H5 bridge page hands code/state back to the
    // mini-program with wx.miniProgram.redirectTo (see pages/identity/bridge).
    return `${API_BASE}/h5/#/pages/identity/bridge`
  },

  openAuthorizeUrl(url: string) {
    const absolute = /^https?:\/\//.test(url) ? url : `${API_BASE}${url}`
    Taro.navigateTo({ url: `/pages/identity/webview?url=${encodeURIComponent(absolute)}` })
  },
}

export default weapp
