/**
 * Money in the app: amounts travel in fen (whole numbers) and are typed and shown in yuan with
 * two decimals. Parsing works on the text, never on floats, so "0.29" is 29 fen and not 28.999….
 */

const YUAN = /^(\d{1,12})(?:\.(\d{0,2}))?$/

/** Fen from yuan typed by a person ("8000.5" → 800050); null when it is not an amount (3 decimals, letters). */
export function parseYuan(text: string): number | null {
  const m = YUAN.exec(text.trim().replace(/[,，\s]/g, ''))
  if (!m) return null
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
}

/** Yuan as typed back into a field: 800050 → "8000.50", 800000 → "8000". */
export function yuanText(fen: number): string {
  return (fen / 100).toFixed(2).replace(/\.00$/, '')
}
