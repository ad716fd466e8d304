import { type PropsWithChildren } from 'react'
import { useLaunch } from '@tarojs/taro'
import { fetchMe, isLoggedIn } from './api'
import { adoptServerPreferences } from './store/settings'
import './app.css'

function App({ children }: PropsWithChildren) {
  useLaunch(() => {
    // Refresh the cached user (and the token, via the client's 401 handling) when the app starts.
    if (isLoggedIn()) {
      fetchMe({ quiet: true })
        .then(adoptServerPreferences)
        .catch(() => undefined)
    }
  })
  return children
}

export default App
