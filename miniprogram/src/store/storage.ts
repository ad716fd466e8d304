import Taro from '@tarojs/taro'

/** Thin, exception-safe wrapper over Taro's synchronous storage (localStorage on H5). */
const PREFIX = 'palmcity.'

export function load<T>(key: string, fallback: T): T {
  try {
    const v = Taro.getStorageSync(PREFIX + key)
    return v === '' || v === undefined || v === null ? fallback : (v as T)
  } catch {
    return fallback
  }
}

export function save(key: string, value: unknown): void {
  try {
    Taro.setStorageSync(PREFIX + key, value)
  } catch {
    /* storage full or unavailable: keep the in-memory value */
  }
}

export function remove(key: string): void {
  try {
    Taro.removeStorageSync(PREFIX + key)
  } catch {
    /* ignore */
  }
}
