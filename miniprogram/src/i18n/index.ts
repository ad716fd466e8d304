import zhHans, { type MessageKey } from './zh-Hans'
import zhHant from './zh-Hant'
import en from './en'
import { localeStore, useLocale, type Locale } from '../store/settings'

export type { MessageKey }

const dictionaries: Record<Locale, Record<MessageKey, string>> = {
  zh_Hans: zhHans,
  zh_Hant: zhHant,
  en,
}

export type Params = Record<string, string | number>

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const text = dictionaries[locale]?.[key] ?? zhHans[key] ?? key
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m))
}

/** Translate with the current language, outside React (toasts, modals). */
export function t(key: MessageKey, params?: Params): string {
  return translate(localeStore.get(), key, params)
}

/** React hook: re-renders the component when the language changes. */
export function useT() {
  const locale = useLocale()
  return (key: MessageKey, params?: Params) => translate(locale, key, params)
}
