import { useEffect } from 'react'
import { Observable, useObservable } from '../store/observable'
import { isLoggedIn, listFavourites, type ItemSummary } from '../api'

/**
 * My favourite items as the pages last heard them from the server (null: not read yet). The home
 * page's list and every item guide's 收藏 button share it, so a change on one shows on the other.
 */
export const favourites = new Observable<ItemSummary[] | null>(null)

/** Read them again (silently: the caller shows a failure its own way). */
export async function refreshFavourites(): Promise<ItemSummary[]> {
  const items = await listFavourites({ silent: true })
  favourites.set(items)
  return items
}

/** Whether `code` is among my favourites; reads them once when nobody has yet. */
export function useIsFavourite(code: string): boolean {
  const items = useObservable(favourites)
  useEffect(() => {
    if (favourites.get() === null && isLoggedIn()) refreshFavourites().catch(() => undefined)
  }, [])
  return !!items?.some((i) => i.code === code)
}
