import { useRouter } from '@tarojs/taro'
import { WebView } from '@tarojs/components'

/** Mini-program only: shows the identity provider's authorize page (platform/weapp.ts opens it). */
export default function IdentityWebView() {
  const router = useRouter()
  const url = decodeURIComponent(router.params.url ?? '')
  return <WebView src={url} />
}
