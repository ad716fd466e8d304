// Appointment steps shared by flows: open a site's service, pick the earliest bookable slot.
//
//   await openService(h, 'hospital', 'QY-PEOPLE', 'dr-li')   // appointments hub → site → slots page
//   const { date, slotId, startsAt } = await pickEarliestSlot(h)
import { assert } from './resident.mjs'

/**
 * On the slots page: wait for the seven days, pick the first open day and its first bookable slot.
 * Returns { date, slotId, startsAt }.
 */
export async function pickEarliestSlot(h) {
  const { page } = h
  await h.see('days')
  await page.waitForFunction(() => {
    const days = document.querySelectorAll('[data-testid^="day-"]')
    return days.length === 7 && !document.querySelector('[data-testid^="day-"][data-status="loading"]')
  })
  const day = page.locator('[data-testid^="day-"][data-status="open"]').first()
  assert((await day.count()) === 1, 'no day with a bookable slot in the next 7 days')
  const date = (await day.getAttribute('data-testid')).slice(4)
  await day.click()
  await h.waitAttr(`day-${date}`, 'data-selected', 'true')
  const slot = page.locator('[data-testid="slot"][data-bookable="true"]').first()
  await slot.waitFor({ state: 'visible' })
  const slotId = await slot.getAttribute('data-slot-id')
  const startsAt = await slot.getAttribute('data-starts-at')
  await slot.click()
  await page.waitForSelector(`[data-testid="slot"][data-slot-id="${slotId}"].slot--on`)
  return { date, slotId, startsAt }
}

/** From the appointments hub: a site of a kind, then one of its services → the slots page. */
export async function openService(h, kind, site, service) {
  await h.tap(`site-kind-${kind}`)
  await h.waitAttr(`site-kind-${kind}`, 'data-selected', 'true')
  await h.page.locator(`[data-testid="site"][data-code="${site}"]`).click()
  await h.see('page-appointment-site')
  await h.page.locator(`[data-testid="service"][data-code="${service}"]`).click()
  await h.see('page-appointment-slots')
}
