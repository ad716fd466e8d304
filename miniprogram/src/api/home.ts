import { request, type RequestOptions } from './client'
import type { Site } from './appointments'
import type { ItemSummary } from './office'

/**
 * What the home page reads beside the catalogue: my favourite items (`/me/favourites`, kept on the
 * server so every device shows them), the nearest sites (`/appointments/nearby-sites`) and the inbox's
 * unread count. Shapes follow api/favourites/schemas.py and api/appointments/schemas.py.
 */

const FAVOURITES = '/api/v1/me/favourites'

export async function listFavourites(opts: RequestOptions = {}): Promise<ItemSummary[]> {
  return (await request<{ items: ItemSummary[] }>(FAVOURITES, opts)).items
}

/** Keep an item (again: no change); the list as it is now. */
export async function addFavourite(code: string): Promise<ItemSummary[]> {
  return (await request<{ items: ItemSummary[] }>(`${FAVOURITES}/${encodeURIComponent(code)}`, { method: 'PUT' })).items
}

export async function removeFavourite(code: string): Promise<ItemSummary[]> {
  return (await request<{ items: ItemSummary[] }>(`${FAVOURITES}/${encodeURIComponent(code)}`, { method: 'DELETE' })).items
}

export interface NearbySite extends Site {
  latitude: number | null
  longitude: number | null
  /** from the position asked about; null without one (then the list is by name) */
  distance_m: number | null
}

export interface Position {
  latitude: number
  longitude: number
}

export async function nearbySites(position: Position | null, opts: RequestOptions = {}): Promise<NearbySite[]> {
  const q = position ? `?lat=${position.latitude.toFixed(5)}&lng=${position.longitude.toFixed(5)}&limit=5` : '?limit=5'
  return (await request<{ items: NearbySite[] }>(`/api/v1/appointments/nearby-sites${q}`, opts)).items
}

/** How many of my messages are unread (the inbox's first page of one answers it). */
export async function unreadCount(opts: RequestOptions = {}): Promise<number> {
  return (await request<{ unread: number }>('/api/v1/inbox?limit=1', opts)).unread
}
