import { Input, Text, View } from '@tarojs/components'
import { useEffect, useMemo, useState } from 'react'
import PageShell from '../../components/PageShell'
import ChipSelect from '../../components/ChipSelect'
import ItemRow from '../../components/ItemRow'
import OfficeLinks from '../../components/OfficeLinks'
import LoadState, { useLoad } from '../../components/LoadState'
import { highFrequency, searchItems, themes, type ItemFilter, type ItemSummary, type Named, type Tag } from '../../api'
import { useT } from '../../i18n'
import { useLocale } from '../../store/settings'
import './office.css'

type FilterKey = 'theme' | 'life_event' | 'department' | 'region'
const PAGE = 20

/** 掌上办 catalogue: search, filters (theme, life event, department, region), high-frequency items. */
export default function Office() {
  const t = useT()
  const locale = useLocale()
  const [q, setQ] = useState('')
  const [filters, setFilters] = useState<Partial<Record<FilterKey, string>>>({})
  const [showFilters, setShowFilters] = useState(false)
  const [tags, setTags] = useState<{ themes: Tag[]; life_events: Tag[] }>({ themes: [], life_events: [] })
  const [places, setPlaces] = useState<{ departments: Named[]; regions: Named[] }>({ departments: [], regions: [] })
  const popular = useLoad(() => highFrequency({ silent: true }), { deps: [locale] })
  const [results, setResults] = useState<{ items: ItemSummary[]; total: number; query: ItemFilter } | null>(null)
  const [loading, setLoading] = useState(false)

  useEffect(() => {
    themes().then(setTags).catch(() => undefined)
    // No endpoint lists departments and regions: collect them from the published items.
    searchItems({ limit: 100 })
      .then((page) => {
        const uniq = (list: Named[]) => [...new Map(list.map((n) => [n.code, n])).values()]
        setPlaces({
          departments: uniq(page.items.map((i) => i.department)),
          regions: uniq(page.items.map((i) => i.region)),
        })
      })
      .catch(() => undefined)
  }, [locale])

  const active = q.trim() !== '' || Object.values(filters).some(Boolean)

  async function run(query: ItemFilter, append = false) {
    setLoading(true)
    try {
      const page = await searchItems({ ...query, limit: PAGE })
      setResults((prev) => ({
        items: append && prev ? [...prev.items, ...page.items] : page.items,
        total: page.total,
        query,
      }))
    } catch {
      /* toast shown */
    } finally {
      setLoading(false)
    }
  }

  const current = (): ItemFilter => ({ q: q.trim() || undefined, ...filters })

  useEffect(() => {
    if (active) run(current())
    else setResults(null)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filters, locale])

  function setFilter(key: FilterKey, value: string | undefined) {
    setFilters((f) => ({ ...f, [key]: value }))
  }

  const filterGroups = useMemo(
    () => [
      { key: 'theme' as const, label: t('office.filter.theme'), options: tags.themes },
      { key: 'life_event' as const, label: t('office.filter.lifeEvent'), options: tags.life_events },
      { key: 'department' as const, label: t('office.filter.department'), options: places.departments },
      { key: 'region' as const, label: t('office.filter.region'), options: places.regions },
    ],
    [tags, places, t],
  )
  const activeCount = Object.values(filters).filter(Boolean).length

  return (
    <PageShell testId='page-office' title={t('office.title')}>
      <View className='office-hero'>
        <View className='search'>
          <Input
            className='search__input'
            data-testid='office-search'
            value={q}
            placeholder={t('office.searchPlaceholder')}
            confirmType='search'
            maxlength={64}
            onInput={(e) => setQ(e.detail.value)}
            onConfirm={() => (q.trim() || activeCount ? run(current()) : setResults(null))}
          />
          <View className='search__btn' data-testid='office-search-submit' onClick={() => (q.trim() || activeCount ? run(current()) : setResults(null))}>
            {t('office.search')}
          </View>
        </View>
        <OfficeLinks />
      </View>

      <View className='card' data-testid='office-filters'>
        <View className='card__head'>
          <Text className='card__title'>
            {t('office.filters')}
            {activeCount > 0 ? ` (${activeCount})` : ''}
          </Text>
          <View className='row-gap'>
            {activeCount > 0 && (
              <Text className='link' data-testid='filters-clear' onClick={() => setFilters({})}>
                {t('office.filter.clear')}
              </Text>
            )}
            <Text className='link' data-testid='filters-toggle' onClick={() => setShowFilters(!showFilters)}>
              {showFilters ? '︿' : '﹀'}
            </Text>
          </View>
        </View>
        {showFilters &&
          filterGroups.map((g) => (
            <View key={g.key} className='filter-group'>
              <Text className='field__label'>{g.label}</Text>
              <ChipSelect
                testIdPrefix={`filter-${g.key}`}
                value={filters[g.key] ?? null}
                onChange={(v) => setFilter(g.key, v)}
                onClear={() => setFilter(g.key, undefined)}
                options={g.options.map((o) => ({ value: o.code, label: o.name }))}
              />
            </View>
          ))}
      </View>

      {active && results ? (
        <View className='card' data-testid='office-results'>
          <Text className='card__title' data-testid='office-results-total'>
            {t('office.results', { total: results.total })}
          </Text>
          {results.items.length === 0 ? (
            <Text className='body muted block'>{t('office.noResults')}</Text>
          ) : (
            <View className='list'>
              {results.items.map((i) => (
                <ItemRow key={i.code} item={i} />
              ))}
            </View>
          )}
          {results.items.length < results.total && (
            <View
              className={`btn btn--ghost btn--block ${loading ? 'btn--busy' : ''}`}
              data-testid='office-more'
              onClick={() => !loading && run({ ...results.query, offset: results.items.length }, true)}
            >
              {t('office.more')}
            </View>
          )}
        </View>
      ) : (
        <View className='card' data-testid='office-popular'>
          <Text className='card__title'>{t('office.highFrequency')}</Text>
          <LoadState load={popular} testId='office-popular' card={false}>
            {(items) => (
              <View className='list'>
                {items.map((i) => (
                  <ItemRow key={i.code} item={i} />
                ))}
              </View>
            )}
          </LoadState>
        </View>
      )}
    </PageShell>
  )
}
