// Chinese resident ID numbers (GB 11643-1999) for test data: 6-digit area, 8-digit birth date,
// 3-digit sequence (odd = male, even = female), check character.
import { randomInt } from 'node:crypto'

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = '10X98765432'

/** Qingcheng district, Qingyuan, Guangdong. */
export const QINGCHENG = '441802'

export function checkChar(first17) {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]
  return CHECK[sum % 11]
}

export function isValidIdNumber(id) {
  return /^\d{17}[\dX]$/.test(id) && checkChar(id) === id[17]
}

/** makeIdNumber({ birth: '19900101' }) → a valid 18-character ID number with a random sequence. */
export function makeIdNumber({ area = QINGCHENG, birth, seq } = {}) {
  if (!/^\d{8}$/.test(birth ?? '')) throw new Error(`birth must be YYYYMMDD, got ${birth}`)
  const s = String(seq ?? randomInt(1, 1000)).padStart(3, '0')
  const first17 = `${area}${birth}${s}`
  return first17 + checkChar(first17)
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁'
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志文'

/** A random two- or three-character Chinese name. */
export function randomChineseName() {
  const pick = (s) => s[randomInt(0, s.length)]
  return pick(SURNAMES) + pick(GIVEN) + (randomInt(0, 2) ? pick(GIVEN) : '')
}
