/** A tiny history router under /console (the server answers index.html for every sub-path). */
import { h, type ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'

export const BASE = '/console'

export function currentPath(): string {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/'
  return p || '/'
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', BASE + to)
  else history.pushState(null, '', BASE + to)
  dispatchEvent(new PopStateEvent('popstate'))
  window.scrollTo(0, 0)
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath())
  useEffect(() => {
    const on = () => setPath(currentPath())
    addEventListener('popstate', on)
    return () => removeEventListener('popstate', on)
  }, [])
  return path
}

/** A real link (middle-click, copy address work); plain clicks stay in the page. */
export function Link(props: {
  href: string
  class?: string
  children: ComponentChildren
  'aria-current'?: 'page' | undefined
}) {
  return h(
    'a',
    {
      href: BASE + props.href,
      class: props.class,
      'aria-current': props['aria-current'],
      onClick: (e: MouseEvent) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
        e.preventDefault()
        navigate(props.href)
      },
    },
    props.children,
  )
}
