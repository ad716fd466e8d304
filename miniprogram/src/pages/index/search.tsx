import { Input, Text, View } from '@tarojs/components'
import { useEffect, useState } from 'react'
import ItemRow from '../../components/ItemRow'
import LoadState, { useLoad } from '../../components/LoadState'
import { searchItems, type ItemPage } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'

/** The home page's search: the catalogue's (synonyms and abbreviations included), results below it.
 *  `searched` is the search the page shows; once it is cleared (清除) the box empties too. */
export function SearchBar({ searched, onSearch }: { searched: string; onSearch: (q: string) => void }) {
  const t = useT()
  const [q, setQ] = useState('')
  useEffect(() => {
    if (!searched) setQ('')
  }, [searched])
  const submit = () => onSearch(q.trim())
  return (
    <View className='search home-search'>
      <Input
        className='search__input'
        data-testid='home-search'
        placeholder={t('home.search.placeholder')}
        confirmType='search'
        maxlength={64}
        value={q}
        onInput={(e) => {
          setQ(e.detail.value)
          if (!e.detail.value.trim()) onSearch('')
        }}
        onConfirm={submit}
      />
      <View className='search__btn' data-testid='home-search-submit' onClick={submit}>
        {t('home.search.button')}
      </View>
    </View>
  )
}

export function SearchResults({ q, onClear }: { q: string; onClear: () => void }) {
  const t = useT()
  const locale = useLocale()
  const load = useLoad<ItemPage>(() => searchItems({ q, limit: 10 }, { silent: true }), { deps: [q, locale] })
  return (
    <View className='card' data-testid='home-results'>
      <View className='card__head'>
        <Text className='card__title'>{t('home.search.results')}</Text>
        <Text className='link' data-testid='home-search-clear' onClick={onClear}>
          {t('home.search.clear')}
        </Text>
      </View>
      <LoadState load={load} testId='home-results' card={false} isEmpty={(page) => page.items.length === 0} empty={t('home.search.empty')}>
        {(page) => (
          <View className='list'>
            {page.items.map((item) => (
              <ItemRow key={item.code} item={item} />
            ))}
          </View>
        )}
      </LoadState>
    </View>
  )
}
