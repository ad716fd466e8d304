import { Text, View } from '@tarojs/components'
import type { ItemMaterial } from '../api'
import { useT } from '../i18n'

interface Props {
  /** the codes the server said are missing (`application_materials_missing`'s details.materials) */
  codes: string[]
  /** what the item asks for (names) */
  required: ItemMaterial[]
  /** codes already handed in since: they drop off the list */
  handed: string[]
}

/**
 * The materials a submission still lacks, by name, beside the materials panel: stays on the page
 * until each is handed in (a toast would vanish before anyone could read which ones).
 */
export default function MissingMaterials({ codes, required, handed }: Props) {
  const t = useT()
  const left = codes.filter((c) => !handed.includes(c))
  if (left.length === 0) return null
  const name = (code: string) => required.find((m) => m.code === code)?.name ?? t('material.unnamed')
  return (
    <View className='notice notice--warn' data-testid='materials-missing'>
      <Text className='body block warn-text'>{t('apply.missingTitle')}</Text>
      {left.map((c) => (
        <Text key={c} className='body block' data-testid='materials-missing-item' data-code={c}>
          · {name(c)}
        </Text>
      ))}
    </View>
  )
}
