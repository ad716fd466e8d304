import { listSpots, staffStore, type Spot, type StaffAccount } from '../api'
import { load, save } from '../store/storage'

/**
 * The spots a spot's staff member works at: the account's scopes are spot codes (`*`: every spot).
 * The one chosen last on this device is kept, so the gate, window and dashboard open on it.
 */
export async function mySpots(): Promise<Spot[]> {
  const scopes = staffStore.get()?.scopes ?? []
  const all = await listSpots(undefined, { silent: true })
  return scopes.includes('*') ? all : all.filter((s) => scopes.includes(s.code))
}

export function chosenSpot(spots: Spot[], asked?: string): string | null {
  if (asked && spots.some((s) => s.code === asked)) return asked
  const saved = load<string>('spotStaffSpot', '')
  return spots.some((s) => s.code === saved) ? saved : spots[0]?.code ?? null
}

export function chooseSpot(code: string): void {
  save('spotStaffSpot', code)
}

/** Roles of a spot's staff: the gate (scanner), the window (ticket_seller), the manager. */
const SPOT_ROLES = ['scanner', 'ticket_seller', 'spot_manager']

/** The window's and the manager's roles exist only at spots. */
export function hasSpotRole(account: StaffAccount | null): boolean {
  return !!account && account.roles.some((r) => r === 'ticket_seller' || r === 'spot_manager')
}

/**
 * Only a spot's work (the gate, the window, the dashboard): the back office opens the spot desk.
 * A scanner works at a spot when a scope is a spot's code (else at a hall or hospital: the frontline).
 */
export async function onlySpotWork(account: StaffAccount | null): Promise<boolean> {
  if (!account || account.roles.length === 0 || !account.roles.every((r) => SPOT_ROLES.includes(r))) return false
  if (hasSpotRole(account)) return true
  return (await mySpots().catch(() => [])).length > 0
}
