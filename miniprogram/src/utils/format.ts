/** Dates from the API: ISO timestamps shown as local YYYY-MM-DD HH:mm, dates as they are. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}

export function isoDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** The n-th Monday–Friday after today (the server checks holidays; this is only a default). */
export function weekdaysFromToday(n: number, from: Date = new Date()): string {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate())
  let left = n
  while (left > 0) {
    d.setDate(d.getDate() + 1)
    const day = d.getDay()
    if (day !== 0 && day !== 6) left -= 1
  }
  return isoDate(d)
}

export function fenToYuan(fen: number): string {
  return (fen / 100).toFixed(2).replace(/\.00$/, '')
}

/** Money as yuan with two decimals: 1000 fen → "10.00" (payments show exact amounts). */
export function yuan(fen: number): string {
  return (fen / 100).toFixed(2)
}

// ---- China time (appointments: the server sends ISO strings with +08:00) ----------------------------

const CHINA_OFFSET_MS = 8 * 3600 * 1000

/** Today's date in China (YYYY-MM-DD), whatever the device's time zone. */
export function chinaToday(now: number = Date.now()): string {
  return new Date(now + CHINA_OFFSET_MS).toISOString().slice(0, 10)
}

/** The China date `days` after `date` (YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** Day of the week of a YYYY-MM-DD date, 0 = Sunday. */
export function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay()
}

/** China wall-clock parts of an instant (any offset): { date: YYYY-MM-DD, time: HH:mm }. */
export function chinaParts(iso: string | null | undefined): { date: string; time: string } {
  if (!iso) return { date: '—', time: '' }
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return { date: iso, time: '' }
  const s = new Date(ms + CHINA_OFFSET_MS).toISOString()
  return { date: s.slice(0, 10), time: s.slice(11, 16) }
}

/** "YYYY-MM-DD HH:mm–HH:mm" in China time. */
export function chinaRange(startIso: string, endIso: string): string {
  const a = chinaParts(startIso)
  return `${a.date} ${a.time}–${chinaParts(endIso).time}`
}

/** "YYYY-MM-DD HH:mm" in China time. */
export function chinaDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const p = chinaParts(iso)
  return `${p.date} ${p.time}`
}
