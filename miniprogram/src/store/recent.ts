import { load, remove, save } from './storage'
import { Observable, useObservable } from './observable'

/** An item the resident opened lately: enough to list it and open it again. */
export interface RecentItem {
  code: string
  /** its name in `locale`, the language it was opened in (another language asks the catalogue) */
  name: string
  locale: string
}

const KEY = 'recentItems'
const KEEP = 6

/**
 * Recently opened catalogue items, newest first, kept on this device (local storage) and forgotten
 * on logout: what one looked at is nobody else's business. Favourites live on the server.
 */
export const recentItems = new Observable<RecentItem[]>(load<RecentItem[]>(KEY, []))

export function rememberItem(item: RecentItem): void {
  const next = [item, ...recentItems.get().filter((r) => r.code !== item.code)].slice(0, KEEP)
  recentItems.set(next)
  save(KEY, next)
}

export function forgetRecentItems(): void {
  recentItems.set([])
  remove(KEY)
}

export function useRecentItems(): RecentItem[] {
  return useObservable(recentItems)
}
