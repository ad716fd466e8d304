import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useState } from 'react'
import { addFavourite, removeFavourite } from '../api'
import { useT } from '../i18n'
import { requireLogin } from './auth'
import { favourites, useIsFavourite } from './favourites'

/** 收藏 on an item's guide: keeps the item on the home page (on the server, for every device). */
export default function FavouriteButton({ code, returnTo }: { code: string; returnTo: string }) {
  const t = useT()
  const kept = useIsFavourite(code)
  const [busy, setBusy] = useState(false)

  async function toggle() {
    if (busy || !requireLogin(returnTo)) return
    setBusy(true)
    try {
      favourites.set(kept ? await removeFavourite(code) : await addFavourite(code))
      Taro.showToast({ title: t(kept ? 'fav.removed' : 'fav.added'), icon: 'none' })
    } catch {
      /* toast shown (favourites_full names the limit) */
    } finally {
      setBusy(false)
    }
  }

  return (
    <View
      className={`fav ${kept ? 'fav--on' : ''} ${busy ? 'btn--busy' : ''}`}
      data-testid='favourite'
      data-on={kept ? 'true' : 'false'}
      onClick={toggle}
    >
      <Text className='fav__star'>{kept ? '★' : '☆'}</Text>
      <Text className='fav__label'>{t(kept ? 'fav.remove' : 'fav.add')}</Text>
    </View>
  )
}
