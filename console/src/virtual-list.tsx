/**
 * A virtualised list of variable-height rows: only the rows in (or near) the viewport are in
 * the DOM, so an objective with thousands of events scrolls without freezing. Heights are
 * measured once rendered (ResizeObserver) and estimated before. While the view sits at the
 * bottom it follows new rows, like a terminal.
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'

interface Props<T> {
  items: T[]
  keyOf: (item: T) => string
  render: (item: T, index: number) => ComponentChildren
  estimate?: number
  overscan?: number
  label: string
}

export function VirtualList<T>({
  items,
  keyOf,
  render,
  estimate = 72,
  overscan = 600,
  label,
}: Props<T>) {
  const scroller = useRef<HTMLDivElement>(null)
  const heights = useRef(new Map<string, number>())
  const [, setVersion] = useState(0)
  const [scrollTop, setScrollTop] = useState(0)
  const [viewport, setViewport] = useState(600)
  const follow = useRef(true)

  const offsets = useMemo(() => {
    const out = new Float64Array(items.length + 1)
    for (let i = 0; i < items.length; i++) {
      out[i + 1] = out[i] + (heights.current.get(keyOf(items[i])) ?? estimate)
    }
    return out
  }, [items, estimate, heights.current.size, scrollTop, viewport])

  const total = offsets[items.length]
  const first = Math.max(0, upperBound(offsets, scrollTop - overscan) - 1)
  let last = first
  while (last < items.length && offsets[last] < scrollTop + viewport + overscan) last++

  const observer = useMemo(
    () =>
      new ResizeObserver((entries) => {
        let changed = false
        for (const e of entries) {
          const key = (e.target as HTMLElement).dataset.vkey
          const h = (e.target as HTMLElement).offsetHeight
          if (key && h && heights.current.get(key) !== h) {
            heights.current.set(key, h)
            changed = true
          }
        }
        if (changed) setVersion((v) => v + 1)
      }),
    [],
  )
  useEffect(() => () => observer.disconnect(), [observer])

  useEffect(() => {
    const el = scroller.current
    if (!el) return
    const ro = new ResizeObserver(() => setViewport(el.clientHeight))
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  // Follow the tail while the reader is at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current
    if (el && follow.current && el.scrollHeight > el.clientHeight) {
      el.scrollTop = el.scrollHeight
    }
  })

  const rows = []
  for (let i = first; i < last; i++) {
    const item = items[i]
    const key = keyOf(item)
    rows.push(
      <div
        key={key}
        data-vkey={key}
        role="listitem"
        class="vrow"
        style={{ position: 'absolute', top: `${offsets[i]}px`, left: 0, right: 0 }}
        ref={(el) => {
          if (el) observer.observe(el)
        }}
      >
        {render(item, i)}
      </div>,
    )
  }
  return (
    <div
      ref={scroller}
      class="vlist"
      tabIndex={0}
      aria-label={label}
      onScroll={(e) => {
        const el = e.currentTarget
        follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8
        setScrollTop(el.scrollTop)
      }}
    >
      <div role="list" style={{ position: 'relative', height: `${total}px` }}>
        {rows}
      </div>
    </div>
  )
}

/** The first index whose offset is greater than `value`. */
function upperBound(offsets: Float64Array, value: number): number {
  let lo = 0
  let hi = offsets.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (offsets[mid] <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}
