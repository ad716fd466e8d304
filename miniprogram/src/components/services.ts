import type { MessageKey } from '../i18n'

/** The service areas on the home page. Each routes to its module, or to "coming soon" until it exists. */
export interface ServiceEntry {
  key: 'office' | 'appointment' | 'healthcard' | 'parking' | 'tickets'
  glyph: string
  color: string
  title: MessageKey
  desc: MessageKey
  /** page of the module once it exists; undefined = coming soon */
  url?: string
}

export const SERVICES: ServiceEntry[] = [
  { key: 'office', glyph: '办', color: '#1677ff', title: 'service.office', desc: 'service.office.desc', url: '/pages/office/index' },
  { key: 'appointment', glyph: '约', color: '#13a8a8', title: 'service.appointment', desc: 'service.appointment.desc', url: '/pages/appointments/index' },
  { key: 'healthcard', glyph: '卡', color: '#f5484b', title: 'service.healthcard', desc: 'service.healthcard.desc', url: '/pages/healthcards/index' },
  { key: 'parking', glyph: '停', color: '#fa8c16', title: 'service.parking', desc: 'service.parking.desc' },
  { key: 'tickets', glyph: '票', color: '#52c41a', title: 'service.tickets', desc: 'service.tickets.desc', url: '/pages/tourism/index' },
]

export function serviceUrl(s: ServiceEntry): string {
  return s.url ?? `/pages/soon/index?service=${s.key}`
}
