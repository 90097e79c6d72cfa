import { z } from 'zod'
import type { ContentPart } from './objective.ts'

/**
 * A tool result as parts (HEAD `result.content[]`, docs/api.md section 5.13): text, and images
 * given inline as base64. Capped below the request body limit, so an oversized answer is a clear
 * 400 naming the cap rather than a cut-off body.
 */
export const MAX_CONTENT_PARTS = 32
export const MAX_CONTENT_BYTES = 512 * 1024
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const

const base64 = /^[A-Za-z0-9+/]*={0,2}$/

const TextPart = z.object({
  type: z.literal('text'),
  text: z.object({ text: z.string().max(MAX_CONTENT_BYTES) }),
})
const ImagePart = z.object({
  type: z.literal('image'),
  image: z.object({
    data: z
      .string()
      .min(1)
      .max(Math.ceil(MAX_CONTENT_BYTES / 3) * 4)
      .refine((d) => d.length % 4 === 0 && base64.test(d), 'must be base64 (RFC 4648, padded)'),
    mimeType: z.enum(IMAGE_TYPES),
  }),
})

/** Bytes a part stands for: UTF-8 text, decoded image data. */
function partBytes(part: ContentPart): number {
  if (part.type === 'text') return Buffer.byteLength(part.text.text)
  const { data } = part.image
  return (data.length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0)
}

export const ToolContent = z
  .array(z.discriminatedUnion('type', [TextPart, ImagePart]))
  .min(1)
  .max(MAX_CONTENT_PARTS)
  .superRefine((parts, ctx) => {
    const total = parts.reduce((n, p) => n + partBytes(p), 0)
    if (total > MAX_CONTENT_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `is ${total} bytes (text and decoded images), more than the ${MAX_CONTENT_BYTES} allowed`,
      })
    }
  })
  .meta({ id: 'ToolResultContent' })

/** The parts as served (input caps are not the response's business). */
export const ToolResultContent = z
  .array(
    z.union([
      z.object({ type: z.literal('text'), text: z.object({ text: z.string() }) }),
      z.object({
        type: z.literal('image'),
        image: z.object({ data: z.string(), mimeType: z.string() }),
      }),
    ]),
  )
  .meta({ id: 'ToolResultContentParts' })

export const SetToolCallContentBody = z.object({ content: ToolContent })
export type SetToolCallContentBody = z.infer<typeof SetToolCallContentBody>

/** The result as text, for the seed-era `content`/`result` strings: images are placeholders. */
export function contentText(parts: ContentPart[]): string {
  return parts
    .map((p) =>
      p.type === 'text' ? p.text.text : `[image: ${p.image.mimeType}, ${partBytes(p)} bytes]`,
    )
    .join('\n')
}

/** A text result as parts. */
export function textContent(text: string): ContentPart[] {
  return [{ type: 'text', text: { text } }]
}
