import type { StaffAccount } from '../api'

/** Finance staff hold the `finance` role scoped to merchant codes (a hospital, a bureau): the payments desk. */
export function isFinance(account: StaffAccount | null): boolean {
  return !!account && account.roles.includes('finance')
}

/** Only finance work: the back office opens the payments desk (finance.qx, who also pays out
 *  medical aid, reaches the case queues from there). */
export function onlyFinance(account: StaffAccount | null): boolean {
  return !!account && account.roles.length > 0 && account.roles.every((r) => r === 'finance')
}

/** An amount typed in yuan ("12", "12.5", "12.50") as whole fen; null when it is not one. */
export function parseYuan(text: string): number | null {
  const s = text.trim()
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(s)) return null
  const [whole, part = ''] = s.split('.')
  const fen = Number(whole) * 100 + Number(part.padEnd(2, '0'))
  return fen > 0 ? fen : null
}
