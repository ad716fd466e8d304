import Taro from '@tarojs/taro'
import { isSandboxPay, isSandboxUrl, type NoticePayParams, type PayParams, type PhoneNumberDetail, type PickedFile, type Platform, type UploadParams } from './types'

/** Backend paths (the API's origin) made absolute; outside URLs kept. */
function absolute(url: string): string {
  return /^https?:\/\//.test(url) ? url : `${API_BASE}${url}`
}

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

  canScanCode: true,
  async scanCode() {
    const res = await Taro.scanCode({ onlyFromCamera: false })
    return res.result
  },

  async requestPayment(params: PayParams) {
    if (isSandboxPay(params)) {
      // a sandbox backend (DevTools): pay as the payer would, no WeChat Pay involved
      const res = await Taro.request({ url: params.complete_url, method: 'POST', dataType: 'json' })
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`sandbox payment failed (${res.statusCode})`)
      return
    }
    await Taro.requestPayment({ ...params })
  },

  async payByNotice({ pay_url }: NoticePayParams) {
    if (isSandboxUrl(pay_url)) {
      // a sandbox backend (DevTools): pay by notice number as the payer would on the platform's page
      const res = await Taro.request({ url: absolute(pay_url), method: 'POST', dataType: 'json' })
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`sandbox payment failed (${res.statusCode})`)
      return 'paid'
    }
    // the unified public payment platform's page, in a web-view (its domain must be a business domain)
    await Taro.navigateTo({ url: `/pages/identity/webview?url=${encodeURIComponent(absolute(pay_url))}` })
    return 'opened'
  },

  openPage(url: string) {
    Taro.navigateTo({ url: `/pages/identity/webview?url=${encodeURIComponent(absolute(url))}` })
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

  async pickFile(): Promise<PickedFile | null> {
    try {
      // 聊天文件 (PDF or picture) or 相册/拍照
      const sheet = await Taro.showActionSheet({ itemList: ['从聊天中选择文件', '拍照或从相册选择'] })
      if (sheet.tapIndex === 0) {
        const res = await Taro.chooseMessageFile({ count: 1, type: 'all', extension: ['pdf', 'jpg', 'jpeg', 'png'] })
        const f = res.tempFiles[0]
        return f ? { name: f.name, size: f.size, path: f.path } : null
      }
      const res = await Taro.chooseImage({ count: 1, sizeType: ['compressed'], sourceType: ['album', 'camera'] })
      const f = res.tempFiles[0]
      if (!f) return null
      const name = f.path.split('/').pop() || 'photo.jpg'
      return { name, size: f.size, path: f.path }
    } catch {
      return null // cancelled
    }
  },

  async uploadFile({ url, header, fileField, file, formData }: UploadParams) {
    if (!file.path) throw new Error('no file')
    const res = await Taro.uploadFile({ url, header, name: fileField, filePath: file.path, formData })
    return { statusCode: res.statusCode, data: res.data }
  },

  async openFile(url: string, header: Record<string, string>) {
    const res = await Taro.downloadFile({ url, header })
    if (res.statusCode >= 200 && res.statusCode < 300) {
      await Taro.openDocument({ filePath: res.tempFilePath, showMenu: true }).catch(() =>
        Taro.previewImage({ urls: [res.tempFilePath] }),
      )
    }
    return { statusCode: res.statusCode, data: null }
  },
}

export default weapp
