/**
 * Assistant messages are Markdown written by a model, which may repeat anything a user or a tool
 * fed it: rendered with marked, then sanitised with DOMPurify before it touches the DOM.
 */
import DOMPurify from 'dompurify'
import { marked } from 'marked'

marked.setOptions({ gfm: true, breaks: true, async: false })

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  // Links open outside the console and cannot reach back into it.
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank')
    node.setAttribute('rel', 'noopener noreferrer')
  }
})

export function renderMarkdown(text: string): string {
  const html = marked.parse(text ?? '') as string
  return DOMPurify.sanitize(html, { FORBID_TAGS: ['style', 'form', 'input', 'img'] })
}
