import { useRouter } from '@tarojs/taro'
import { WebView } from '@tarojs/components'

/**
 * Mini-program only: shows an outside page in a web-view (platform/weapp.ts opens it): the identity
 * provider's authorize page, the public payment platform's pay page, an e-receipt (电子票据).
 */
export default function IdentityWebView() {
  const router = useRouter()
  const url = decodeURIComponent(router.params.url ?? '')
  return <WebView src={url} />
}
