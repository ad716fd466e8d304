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

/** The backend's sandbox payment: pay by POSTing `complete_url` (absolute), as the payer would. */
export interface SandboxPayParams {
  sandbox: true
  complete_url: string
}

export type PayParams = PaymentParams | SandboxPayParams

/**
 * A government fee (非税收入) on the unified public payment platform: paid by its notice number
 * (缴款码) on the platform's own page. In the sandbox `pay_url` is `/sandbox/nontax/<notice>/pay`,
 * which pays when POSTed (like WeChat Pay's sandbox `complete_url`).
 */
export interface NoticePayParams {
  notice_number: string
  pay_url: string
}

export function isNoticePay(p: unknown): p is NoticePayParams {
  const n = p as NoticePayParams | null
  return !!n && typeof n.notice_number === 'string' && typeof n.pay_url === 'string'
}

/** The backend's sandbox pages live under /sandbox/ (relative, on the API's origin). */
export function isSandboxUrl(url: string): boolean {
  return /^(https?:\/\/[^/]+)?\/sandbox\//.test(url)
}

export function isSandboxPay(p: PayParams): p is SandboxPayParams {
  return (p as SandboxPayParams).sandbox === true && typeof (p as SandboxPayParams).complete_url === 'string'
}

/** `detail` of a `<Button openType="getPhoneNumber">` event. */
export interface PhoneNumberDetail {
  code?: string
  errMsg?: string
}

/** A file the user picked for upload: a temp path (weapp) or a browser File (H5). */
export interface PickedFile {
  name: string
  size: number
  /** weapp: temp file path */
  path?: string
  /** H5: the File object */
  blob?: Blob
}

/** What an upload or download returns to the API client (body parsed by the client). */
export interface TransportResponse {
  statusCode: number
  data: unknown
}

export interface UploadParams {
  url: string
  header: Record<string, string>
  /** the multipart field the file goes in */
  fileField: string
  file: PickedFile
  /** other multipart fields */
  formData: Record<string, string>
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
  /** Whether scanCode uses a camera (weapp); on H5 the code is typed instead. */
  canScanCode: boolean
  /** Scan a QR code and return its text (check-in at a site, later parking). */
  scanCode(): Promise<string>
  /**
   * Pay a prepay order (registration fees, later tickets and parking): wx.requestPayment with the
   * backend's parameters, or, in the sandbox, POST its `complete_url`. Rejects when not paid.
   */
  requestPayment(params: PayParams): Promise<void>
  /**
   * Pay a government fee by its notice number (缴款码). The sandbox pays by POSTing `pay_url`; the real
   * platform's page is opened (web-view on weapp, the page itself on H5) and the app rereads the order
   * when it comes back. Resolves once paid (sandbox) or once the page was opened; rejects otherwise.
   */
  payByNotice(params: NoticePayParams): Promise<'paid' | 'opened'>
  /** Show an outside page (the e-receipt, 电子票据): a web-view on weapp, a new tab on H5. */
  openPage(url: string): void
  /** URL the identity provider sends the browser back to, with ?code=&state= appended. */
  identityReturnUrl(): string
  /** Open the identity provider's authorize page. */
  openAuthorizeUrl(url: string): void
  /** Let the user pick a PDF/JPEG/PNG: chat file or photo (weapp), a file input (H5). Null when cancelled. */
  pickFile(): Promise<PickedFile | null>
  /** multipart/form-data POST of one file (wx.uploadFile on weapp, fetch + FormData on H5) */
  uploadFile(params: UploadParams): Promise<TransportResponse>
  /** GET a protected file with these headers and show it (open the document / a new tab) */
  openFile(url: string, header: Record<string, string>, filename: string): Promise<TransportResponse>
}
