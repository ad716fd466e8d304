import type { Platform } from './types'

export { isNoticePay, isSandboxPay, isSandboxUrl } from './types'
export type { Platform, NoticePayParams, PaymentParams, PayParams, SandboxPayParams, PhoneNumberDetail, PickedFile, TransportResponse, UploadParams } from './types'

/*
 * Pick the implementation at build time. TARO_ENV is replaced by a string constant, so webpack drops
 * the other branch and its require: the H5 bundle has no WeChat-only calls and vice versa.
 */
let impl: Platform
if (process.env.TARO_ENV === 'weapp') {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  impl = require('./weapp').default
} else {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  impl = require('./h5').default
}

export const platform: Platform = impl
export default platform
