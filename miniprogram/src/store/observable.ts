import { useEffect, useState } from 'react'

/** A minimal observable value shared by all pages (no state library needed). */
export class Observable<T> {
  private listeners = new Set<(v: T) => void>()
  constructor(private value: T) {}

  get(): T {
    return this.value
  }

  set(next: T): void {
    if (Object.is(next, this.value)) return
    this.value = next
    this.listeners.forEach((fn) => fn(next))
  }

  subscribe(fn: (v: T) => void): () => void {
    this.listeners.add(fn)
    return () => {
      this.listeners.delete(fn)
    }
  }
}

export function useObservable<T>(obs: Observable<T>): T {
  const [value, setValue] = useState(obs.get())
  useEffect(() => {
    setValue(obs.get())
    return obs.subscribe(setValue)
  }, [obs])
  return value
}
