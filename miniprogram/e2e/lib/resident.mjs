// Resident steps shared by flows: real-name verification through the sandbox provider, adding a child.
//
//   await verifyRealName(h, { name, idNumber, level: 'L3' })   // profile → provider page → verified
//   await addChild(h, { name, idNumber })                      // profile → family form → active child,
//                                                              guardianship proven (seated in the sandbox register)

export function assert(cond, message) {
  if (!cond) throw new Error(message)
}

/** From the home page: open the profile, verify through the sandbox provider, land on the verified profile. */
export async function verifyRealName(h, { name, idNumber, level = 'L3' }) {
  const { page } = h
  await h.step('open profile: not yet verified', async () => {
    await h.tap('tab-me')
    await h.see('page-profile')
    await h.waitAttr('realname-status', 'data-verified', 'false')
    await h.see('start-realname')
    await h.screenshot('profile-unverified')
  })

  await h.step('start real-name verification: sandbox provider page opens', async () => {
    await h.tap('start-realname')
    await page.waitForURL((u) => !u.pathname.startsWith('/h5'), { timeout: h.config.timeout })
    await page.locator('#name').waitFor({ state: 'visible' })
    await h.screenshot('provider-page')
  })

  await h.step(`fill the provider form (${level}) and submit`, async () => {
    await page.locator('#name').fill(name)
    await page.locator('#id_number').fill(idNumber)
    const select = page.locator('#level')
    const tag = await select.evaluate((el) => el.tagName.toLowerCase())
    if (tag === 'select') await select.selectOption(level)
    else if ((await select.getAttribute('type')) === 'radio') await page.locator(`input#level[value="${level}"], input[name="level"][value="${level}"]`).first().check()
    else await select.fill(level)
    await h.screenshot('provider-filled')
    await page.locator('#submit').click()
    await page.waitForURL((u) => u.pathname.startsWith('/h5'), { timeout: h.config.timeout })
  })

  await h.step('callback completes and the profile shows verified with a masked ID', async () => {
    // The callback page shows success, then moves on to the profile by itself.
    await page.waitForSelector('[data-testid="identity-success"], [data-testid="page-profile"], [data-testid="identity-error"]')
    if (await page.locator('[data-testid="identity-error"]').count()) {
      const msg = await page.locator('[data-testid="identity-error-message"]').innerText().catch(() => '')
      throw new Error(`identity callback failed: ${msg}`)
    }
    if (await page.locator('[data-testid="identity-success"]').count()) await h.screenshot('identity-success')
    await h.see('page-profile')
    await h.waitAttr('realname-status', 'data-verified', 'true')
    const masked = await h.text('profile-id-number')
    assert(masked.includes('*'), `ID number is not masked: ${masked}`)
    assert(!masked.includes(idNumber), `full ID number shown: ${masked}`)
    assert(masked.startsWith(idNumber.slice(0, 2)) && masked.endsWith(idNumber.slice(-2)), `unexpected masked ID ${masked}`)
    const shown = await h.text('profile-level')
    assert(shown === level, `identity level is ${shown}, expected ${level}`)
    console.log(`    masked ID ${masked}, name ${await h.text('profile-name')}`)
    await h.screenshot('profile-verified')
  })
}

/** List the signed-in resident as a guardian of the child in the sandbox population register. */
async function seatChild(page, idNumber) {
  return page.evaluate(async (id) => {
    const raw = localStorage.getItem('palmcity.tokens')
    let v = raw ? JSON.parse(raw) : null
    if (v && typeof v === 'object' && 'data' in v) v = v.data // Taro H5 storage wraps values
    const res = await fetch('/sandbox/population/children', {
      method: 'POST',
      headers: { Authorization: `Bearer ${v?.access}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id_number: id }),
    })
    return res.status
  }, idNumber)
}

/**
 * From the profile: add a child (active at once) whose guardian the sandbox population register
 * lists the resident as (so guardianship is proven at once), and come back to the profile.
 */
export async function addChild(h, { name, idNumber, title = 'add a child family member: active at once' }) {
  const { page } = h
  await h.step(title, async () => {
    const seated = await seatChild(page, idNumber)
    assert(seated === 204, `seating the child in the sandbox register → ${seated}`)
    await h.tap('family-add')
    await h.see('page-family')
    await h.see('family-form')
    await h.tap('relation-child')
    await h.fill('family-name', name)
    await h.fill('family-id-number', idNumber)
    await h.screenshot('family-form')
    await h.tap('family-submit')
    await page.waitForSelector(
      '[data-testid="family-member"][data-relation="child"][data-status="active"][data-guardianship="proven"]',
    )
    const row = page.locator('[data-testid="family-member"][data-relation="child"]').first()
    const rowText = await row.innerText()
    assert(!rowText.includes(idNumber), 'family member ID number is not masked')
    await h.screenshot('family-added')
  })

  await h.step('profile lists the family member', async () => {
    await page.goBack()
    await h.see('page-profile')
    await page.waitForSelector('[data-testid="family-card"] [data-testid="family-member"][data-status="active"]')
  })
}
