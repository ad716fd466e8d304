import { load, save } from './storage'
import { Observable, useObservable } from './observable'

/** UI language codes. Server locales use the same names (zh_Hans, zh_Hant, en). */
export type Locale = 'zh_Hans' | 'zh_Hant' | 'en'
export const LOCALES: Locale[] = ['zh_Hans', 'zh_Hant', 'en']

function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as string[]).includes(v)
}

const storedLocale = load<string>('locale', '')
export const localeStore = new Observable<Locale>(isLocale(storedLocale) ? storedLocale : 'zh_Hans')
export const careModeStore = new Observable<boolean>(load<boolean>('careMode', false) === true)

/** True when the user picked a language on this device (it then wins over the server's copy). */
export function hasLocalLocale(): boolean {
  return isLocale(load<string>('locale', ''))
}

export function setLocale(locale: Locale): void {
  save('locale', locale)
  localeStore.set(locale)
}

export function setCareMode(on: boolean): void {
  save('careMode', on)
  careModeStore.set(on)
}

/** Adopt the server's copy of the preferences after login, unless the device already chose a language. */
export function adoptServerPreferences(user: { locale?: string; care_mode?: boolean }): void {
  if (!hasLocalLocale() && isLocale(user.locale)) setLocale(user.locale)
  if (typeof user.care_mode === 'boolean') setCareMode(user.care_mode)
}

/** HTTP language tag for Accept-Language. */
export function acceptLanguage(locale: Locale = localeStore.get()): string {
  switch (locale) {
    case 'zh_Hant':
      return 'zh-Hant'
    case 'en':
      return 'en'
    default:
      return 'zh-Hans'
  }
}

export const useLocale = () => useObservable(localeStore)
export const useCareMode = () => useObservable(careModeStore)
