import { staffStore, type Site, type StaffAccount } from '../api'
import { load, save } from '../store/storage'

/** Frontline staff hold the `scanner` role scoped to site codes (`*`: every site). */
export function isFrontline(account: StaffAccount | null): boolean {
  return !!account && account.roles.includes('scanner')
}

/** Only frontline work: the case queues are not theirs, so the back office opens the frontline desk. */
export function onlyFrontline(account: StaffAccount | null): boolean {
  return !!account && account.roles.length > 0 && account.roles.every((r) => r === 'scanner')
}

/** The sites the signed-in officer may work at. */
export function frontlineSites(sites: Site[]): Site[] {
  const scopes = staffStore.get()?.scopes ?? []
  return scopes.includes('*') ? sites : sites.filter((s) => scopes.includes(s.code))
}

/** The site chosen last on this device, if still one of `sites`; else the first. */
export function chosenSite(sites: Site[]): string | null {
  const saved = load<string>('frontlineSite', '')
  return sites.some((s) => s.code === saved) ? saved : sites[0]?.code ?? null
}

/** A site the officer works at, by name: the account's scope names (`scopes_labels`), never the code. */
export function siteName(code: string): string {
  const account = staffStore.get()
  const i = account?.scopes.indexOf(code) ?? -1
  return (i >= 0 ? account?.scopes_labels?.[i] : undefined) ?? ''
}

export function chooseSite(code: string): void {
  save('frontlineSite', code)
}

/** The window (counter) this device calls numbers to. */
export function myWindow(): string {
  return load<string>('frontlineWindow', '1')
}

export function setMyWindow(w: string): void {
  save('frontlineWindow', w)
}
