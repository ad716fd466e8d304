import Taro, { useDidShow } from '@tarojs/taro'
import { View } from '@tarojs/components'
import { useEffect, type ReactNode } from 'react'
import { useCareMode } from '../store/settings'
import TabBar, { type TabKey } from './TabBar'

interface Props {
  children: ReactNode
  /** data-testid of the page root */
  testId: string
  /** show the bottom tab bar with this tab selected */
  tab?: TabKey
  className?: string
  /** navigation-bar title (document.title on H5), in the current language */
  title?: string
}

/**
 * Root View of every page. It carries the page background (on H5 a global `page {}` background is
 * hidden by Taro's white .taro_page wrapper) and the care-mode class that enlarges the type.
 */
export default function PageShell({ children, testId, tab, className, title }: Props) {
  const care = useCareMode()
  const applyTitle = () => {
    if (title) Taro.setNavigationBarTitle({ title }).catch(() => undefined)
  }
  useEffect(applyTitle, [title])
  useDidShow(applyTitle)
  const classes = ['page', care ? 'care' : '', tab ? 'page--tabbed' : '', className ?? ''].filter(Boolean).join(' ')
  return (
    <View className={classes} data-testid={testId} data-care={care ? 'on' : 'off'}>
      {children}
      {tab && <TabBar active={tab} />}
    </View>
  )
}
