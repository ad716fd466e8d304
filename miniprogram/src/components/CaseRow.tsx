import Taro from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import type { ReactNode } from 'react'
import type { Application } from '../api'
import { formatDateTime } from '../utils/format'
import StateBadge from './StateBadge'

interface Props {
  c: Application
  /** the item's name (the server's `item_label`, or the catalogue's) */
  name: string
  /** the page it opens (`?id=` is added) */
  url: string
  testId: string
  /** staff read the case number first (they quote it); residents the service's name */
  numberFirst?: boolean
  /** a further line (who holds the case) */
  extra?: ReactNode
}

/** One case in a list (我的办件, the staff queues): name, number, date and its state by name. */
export default function CaseRow({ c, name, url, testId, numberFirst = false, extra }: Props) {
  const when = formatDateTime(c.submitted_at ?? c.created_at)
  return (
    <View
      className='list__row list__row--tap'
      data-testid={testId}
      data-id={c.id}
      data-number={c.number}
      data-item={c.item_code}
      data-state={c.state}
      onClick={() => Taro.navigateTo({ url: `${url}?id=${c.id}` })}
    >
      <View className='list__main list__main--flush'>
        {numberFirst ? (
          <>
            <Text className='list__title block mono'>{c.number}</Text>
            <Text className='caption muted block'>
              {name} · {when}
            </Text>
          </>
        ) : (
          <>
            <Text className='list__title block' data-testid={`${testId}-name`}>
              {name}
            </Text>
            <Text className='caption muted block mono'>
              {c.number} · {when}
            </Text>
          </>
        )}
        {extra}
      </View>
      <StateBadge state={c.state} label={c.state_label} />
    </View>
  )
}
