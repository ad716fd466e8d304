/**
 * What the app needs from the host platform. WeChat-only calls (wx.login, getPhoneNumber, scanCode,
 * requestPayment, web-view) live in weapp.ts only; h5.ts gives sandbox equivalents that the backend
 * accepts only in its test configuration.
 */

/** Parameters from the backend's prepay call, passed straight to wx.requestPayment (APIv3, signType RSA). */
export interface PaymentParams {
  timeStamp: string
  nonceStr: string
  package: string
  signType: 'RSA' | 'MD5' | 'HMAC-SHA256'
  paySign: string
}

/** `detail` of a `<Button openType="getPhoneNumber">` event. */
export interface PhoneNumberDetail {
  code?: string
  errMsg?: string
}

export interface Platform {
  name: 'weapp' | 'h5'
  /** H5 sandbox login asks the tester for a name; weapp logs in silently with wx.login. */
  loginNeedsName: boolean
  /** Code for POST /api/v1/auth/wechat/login: wx.login's code, or `dev:<name>` on H5. */
  getLoginCode(name?: string): Promise<string>
  /** Whether to render `<Button openType="getPhoneNumber">` (weapp) or a plain button (H5). */
  phoneUsesOpenType: boolean
  /** Code for POST /api/v1/me/phone; null when the user declined. H5 sends `dev-phone`. */
  getPhoneCode(detail?: PhoneNumberDetail): Promise<string | null>
  /** Scan a QR code and return its text (later modules: check-in, parking). */
  scanCode(): Promise<string>
  /** Launch payment for a prepay order (later modules: tickets, parking). */
  requestPayment(params: PaymentParams): Promise<void>
  /** URL the identity provider sends the browser back to, with ?code=&state= appended. */
  identityReturnUrl(): string
  /** Open the identity provider's authorize page. */
  openAuthorizeUrl(url: string): void
}
