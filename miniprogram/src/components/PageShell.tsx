import Taro, { useDidShow } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect, useState, type ReactNode } from 'react'
import { useT } from '../i18n'
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

// H5 has no native navigation bar: the shell draws the title and a way back itself.
const H5 = process.env.TARO_ENV === 'h5'

/**
 * Root View of every page. It carries the page background (on H5 a global `page {}` background is
 * hidden by Taro's white .taro_page wrapper) and the care-mode class that enlarges the type. On H5
 * it also draws the navigation bar the mini-program gets from WeChat: the title, 返回 when there is a
 * page to go back to, else 首页 (a page opened by its link); tab pages have their own headers.
 */
export default function PageShell({ children, testId, tab, className, title }: Props) {
  const care = useCareMode()
  const t = useT()
  const [canBack, setCanBack] = useState(false)
  const applyTitle = () => {
    if (title) Taro.setNavigationBarTitle({ title }).catch(() => undefined)
    if (H5) setCanBack(Taro.getCurrentPages().length > 1)
  }
  useEffect(applyTitle, [title])
  useDidShow(applyTitle)
  const classes = ['page', care ? 'care' : '', tab ? 'page--tabbed' : '', className ?? ''].filter(Boolean).join(' ')
  return (
    <View className={classes} data-testid={testId} data-care={care ? 'on' : 'off'}>
      {H5 && !tab && title && (
        <View className='navbar' data-testid='navbar'>
          <View
            className='navbar__side navbar__back'
            data-testid={canBack ? 'nav-back' : 'nav-home'}
            onClick={() => (canBack ? Taro.navigateBack() : Taro.reLaunch({ url: '/pages/index/index' }))}
          >
            <Text className='navbar__chevron'>‹</Text>
            <Text>{canBack ? t('common.back') : t('tab.home')}</Text>
          </View>
          <Text className='navbar__title' data-testid='navbar-title'>
            {title}
          </Text>
          <View className='navbar__side' />
        </View>
      )}
      {children}
      {tab && <TabBar active={tab} />}
    </View>
  )
}
