import { Text, View } from '@tarojs/components'
import { useCallback, useRef, useState, type ReactNode } from 'react'
import { useT } from '../i18n'

export interface ConfirmOptions {
  title: string
  /** what happens, in a sentence */
  body?: string
  /** the money moved, already in yuan ("¥10.00"), shown large */
  amount?: string
  confirmText?: string
  /** the other button (default 取消); say 暂不 where 取消 would read as the action itself */
  cancelText?: string
  /** a red confirm button: refunding, cancelling, revoking */
  danger?: boolean
  /** test id of the sheet (buttons: `<testId>-confirm`, `<testId>-cancel`) */
  testId?: string
}

interface Props extends ConfirmOptions {
  open: boolean
  onConfirm: () => void
  onCancel: () => void
  children?: ReactNode
}

/**
 * A confirmation before anything that moves money or cannot be undone: paying, refunding,
 * cancelling, revoking. A bottom sheet drawn by the page itself (the same on weapp and H5, and in care
 * mode), with the amount in yuan when money moves.
 */
export default function ConfirmSheet({ open, title, body, amount, confirmText, cancelText, danger, testId = 'confirm-sheet', onConfirm, onCancel, children }: Props) {
  const t = useT()
  if (!open) return null
  return (
    <View className='sheet' data-testid={testId}>
      <View className='sheet__mask' onClick={onCancel} />
      <View className='sheet__panel' catchMove>
        <Text className='sheet__title block'>{title}</Text>
        {amount && (
          <Text className='sheet__amount block' data-testid={`${testId}-amount`}>
            {amount}
          </Text>
        )}
        {body && <Text className='body block sheet__body'>{body}</Text>}
        {children}
        <View className={`btn btn--block ${danger ? 'btn--danger' : 'btn--primary'}`} data-testid={`${testId}-confirm`} onClick={onConfirm}>
          {confirmText ?? t('common.confirm')}
        </View>
        <View className='btn btn--ghost btn--block' data-testid={`${testId}-cancel`} onClick={onCancel}>
          {cancelText ?? t('common.cancel')}
        </View>
      </View>
    </View>
  )
}

/**
 * `const [sheet, ask] = useConfirm()`: render `{sheet}` in the page and `if (!(await ask({...}))) return`
 * before the action. One small change adopts it on any page.
 */
export function useConfirm(): [ReactNode, (opts: ConfirmOptions) => Promise<boolean>] {
  const [opts, setOpts] = useState<ConfirmOptions | null>(null)
  const answer = useRef<((ok: boolean) => void) | null>(null)
  const ask = useCallback((next: ConfirmOptions) => {
    answer.current?.(false)
    setOpts(next)
    return new Promise<boolean>((resolve) => {
      answer.current = resolve
    })
  }, [])
  const close = (ok: boolean) => {
    answer.current?.(ok)
    answer.current = null
    setOpts(null)
  }
  const sheet = opts ? <ConfirmSheet open {...opts} onConfirm={() => close(true)} onCancel={() => close(false)} /> : null
  return [sheet, ask]
}
