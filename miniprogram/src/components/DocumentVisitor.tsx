import Taro from '@tarojs/taro'
import { Input, Text, View } from '@tarojs/components'
import { useState } from 'react'
import ChipSelect from './ChipSelect'
import { DOCUMENT_HAS_BIRTH, DOCUMENT_KINDS, type DocumentKind } from '../api'
import { useT } from '../i18n'

export interface DocumentVisitor {
  document_kind: DocumentKind
  document_number: string
  name: string
  /** only for documents that do not carry the birth date (permits, passports) */
  born?: string
  claims: string[]
}

/**
 * A visitor named by an identity document (a companion on the resident's booking, a walk-in at the
 * window): the document's kind, its number and the name, and the date of birth only where the
 * document does not carry it (the server refuses `ticket_birth_date_needed` otherwise). The server
 * validates the number; this form only checks that nothing is missing.
 */
export default function DocumentVisitorForm({ onAdd, testId = 'companion', submitText }: { onAdd: (v: DocumentVisitor) => void; testId?: string; submitText?: string }) {
  const t = useT()
  const [kind, setKind] = useState<DocumentKind>('resident_id')
  const [number, setNumber] = useState('')
  const [name, setName] = useState('')
  const [born, setBorn] = useState('')
  const needsBirth = !DOCUMENT_HAS_BIRTH.includes(kind)

  function add() {
    if (!number.trim() || !name.trim() || (needsBirth && !/^\d{4}-\d{2}-\d{2}$/.test(born.trim()))) {
      Taro.showToast({ title: t(needsBirth ? 'tourism.companionMissingBorn' : 'tourism.companionMissing'), icon: 'none' })
      return
    }
    onAdd({ document_kind: kind, document_number: number.trim().toUpperCase(), name: name.trim(), born: needsBirth ? born.trim() : undefined, claims: [] })
    setNumber('')
    setName('')
    setBorn('')
  }

  return (
    <View className='tour-companion' data-testid={testId}>
      <Text className='field__label'>{t('tourism.documentKind')}</Text>
      <ChipSelect testIdPrefix={`${testId}-kind`} value={kind} onChange={setKind} options={DOCUMENT_KINDS.map((k) => ({ value: k, label: t(`tourism.document.${k}`) }))} />
      <Text className='field__label'>{t('tourism.documentNumber')}</Text>
      <View className='field'>
        <Input className='field__input mono' data-testid={`${testId}-number`} value={number} maxlength={24} onInput={(e) => setNumber(e.detail.value)} />
      </View>
      <Text className='field__label'>{t('tourism.visitorName')}</Text>
      <View className='field'>
        <Input className='field__input' data-testid={`${testId}-name`} value={name} maxlength={32} onInput={(e) => setName(e.detail.value)} />
      </View>
      {needsBirth && (
        <>
          <Text className='field__label'>{t('tourism.born')}</Text>
          <View className='field'>
            <Input className='field__input mono' data-testid={`${testId}-born`} value={born} placeholder='YYYY-MM-DD' maxlength={10} onInput={(e) => setBorn(e.detail.value)} />
          </View>
        </>
      )}
      <View className='btn btn--ghost btn--block' data-testid={`${testId}-add`} onClick={add}>
        {submitText ?? t('tourism.addCompanion')}
      </View>
    </View>
  )
}
