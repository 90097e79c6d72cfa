/**
 * Assistant messages are Markdown written by a model, which may repeat anything a user or a tool
 * fed it. Raw HTML in it is shown as text, never parsed (not even into DOMPurify's inert
 * document, where Chromium already reports a blocked inline handler); the HTML marked makes is
 * then sanitised with DOMPurify before it touches the DOM (javascript: links and the like).
 */
import DOMPurify from 'dompurify'
import { marked } from 'marked'

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c])

marked.setOptions({ gfm: true, breaks: true, async: false })
marked.use({ renderer: { html: ({ text }) => escapeHtml(text) } })

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
