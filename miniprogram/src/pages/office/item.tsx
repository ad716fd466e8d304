import Taro, { useRouter } from '@tarojs/taro'
import { Text, View } from '@tarojs/components'
import { useEffect } from 'react'
import PageShell from '../../components/PageShell'
import KV from '../../components/KV'
import LoadState, { useLoad } from '../../components/LoadState'
import EnterpriseNotice, { forEnterprises } from '../../components/EnterpriseNotice'
import FavouriteButton from '../../components/FavouriteButton'
import { requireLogin } from '../../components/auth'
import { getItem, useUser } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import { rememberItem } from '../../store/recent'
import { yuan } from '../../utils/format'

/** An item's guide: names, guide text, time limits, fee, materials, online depth, flags, identity level. */
export default function ItemGuide() {
  const t = useT()
  const locale = useLocale()
  const code = useRouter().params.code ?? ''
  const user = useUser()
  const load = useLoad(() => getItem(code, { silent: true }), { deps: [code, locale] })
  const item = load.data
  // the home page's 最近使用: what was opened here lately, on this device
  useEffect(() => {
    if (item) rememberItem({ code: item.code, name: item.document.name, locale })
  }, [item, locale])

  function apply() {
    if (!item) return
    const url = `/pages/office/apply?code=${encodeURIComponent(item.code)}`
    if (!requireLogin(url)) return
    const level = Number(String(user?.identity_level ?? 'L1').slice(1))
    if (level < item.min_identity_level) {
      Taro.showModal({
        title: t('profile.realName'),
        content: t('item.needLevel', { level: item.min_identity_level }),
        showCancel: false,
        confirmText: t('common.confirm'),
      }).then(() => Taro.navigateTo({ url: '/pages/profile/index' }))
      return
    }
    Taro.navigateTo({ url })
  }

  if (!item) {
    return (
      <PageShell testId='page-item' title={t('item.title')}>
        <LoadState load={load} testId='item'>
          {() => null}
        </LoadState>
      </PageShell>
    )
  }
  const d = item.document
  const enterprise = forEnterprises(item)
  return (
    <PageShell testId='page-item' title={t('item.title')} className={enterprise ? undefined : 'page--action'}>
      <View className='card' data-testid='item-head' data-code={item.code}>
        <View className='item-head'>
          <Text className='item-title block' data-testid='item-name'>{d.name}</Text>
          <FavouriteButton code={item.code} returnTo={`/pages/office/item?code=${encodeURIComponent(item.code)}`} />
        </View>
        {d.summary && <Text className='body muted block'>{d.summary}</Text>}
        <View className='list__line item-flags'>
          <Text className='tag tag--first'>{t(`item.depth.${Math.min(4, Math.max(1, d.online_depth)) as 1 | 2 | 3 | 4}`)}</Text>
          {d.at_most_one_visit && <Text className='tag' data-testid='item-at-most-one'>{t('item.atMostOne')}</Text>}
          {d.zero_visit && <Text className='tag tag--ok' data-testid='item-zero-visit'>{t('item.zeroVisit')}</Text>}
        </View>
      </View>
      {enterprise && <EnterpriseNotice />}

      <View className='card kv'>
        <KV k={t('item.department')}>{item.department.name}</KV>
        <KV k={t('item.region')}>{item.region.name}</KV>
        <KV k={t('item.promised')} testId='item-promised'>{t('item.days', { n: d.promised_days })}</KV>
        <KV k={t('item.legal')}>{t('item.days', { n: d.legal_days })}</KV>
        <KV k={t('item.fee')}>{d.fee_fen ? t('item.feeYuan', { yuan: yuan(d.fee_fen) }) : t('item.free')}</KV>
        <KV k={t('item.minLevel')} testId='item-min-level'>{t('item.levelValue', { level: d.min_identity_level })}</KV>
        <KV k={t('item.applicants')}>{d.applicant_kinds.map((k) => t(`applicant.${k}`)).join('、')}</KV>
      </View>

      <View className='card' data-testid='item-materials'>
        <Text className='card__title'>{t('item.materials')}</Text>
        {d.materials.length === 0 && <Text className='body muted block'>{t('item.noMaterials')}</Text>}
        {d.materials.map((m, i) => (
          <View key={m.code} className='numbered'>
            <Text className='numbered__n'>{i + 1}</Text>
            <View className='numbered__main'>
              <Text className='body block'>{m.name}</Text>
              <View className='list__line'>
                <Text className={`tag tag--first ${m.required ? 'tag--minor' : ''}`}>{m.required ? t('item.required') : t('item.optional')}</Text>
                {m.tolerated && <Text className='tag'>{t('item.tolerated')}</Text>}
                {m.certificate_type && <Text className='tag tag--ok'>{t('item.certReplace')}</Text>}
              </View>
            </View>
          </View>
        ))}
      </View>

      <View className='card' data-testid='item-guide'>
        <Text className='card__title'>{t('item.guide')}</Text>
        <Text className='body guide-text'>{d.guide}</Text>
      </View>

      {!enterprise && (
        <View className='action-bar'>
          <View className='btn btn--primary btn--block' data-testid='item-apply' onClick={apply}>
            {t('item.apply')}
          </View>
        </View>
      )}
    </PageShell>
  )
}
