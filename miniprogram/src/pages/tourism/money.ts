import type { MessageKey } from '../../i18n'
import { yuan } from '../../utils/format'

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string

/** A price as people read it: ¥98.00, or 免费 (from: 起 for a spot's full price on a list). */
export function priceText(t: Translate, fen: number, from = false): string {
  if (fen <= 0) return t('tourism.free')
  return from ? t('tourism.priceFrom', { price: yuan(fen) }) : `¥${yuan(fen)}`
}
