import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

/** Encrypts secrets at rest with AES-256-GCM; the stored form is `v1:<iv>:<tag>:<ciphertext>` in base64. */
export interface SecretBox {
  seal(plaintext: string): string
  open(sealed: string): string
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('SORTIE_SECRET_KEY must decode to 32 bytes')
  return {
    seal(plaintext) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return ['v1', iv.toString('base64'), tag.toString('base64'), body.toString('base64')].join(
        ':',
      )
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(':')
      if (version !== 'v1' || !iv || !tag || body === undefined)
        throw new Error('unknown sealed format')
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'))
      decipher.setAuthTag(Buffer.from(tag, 'base64'))
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64')),
        decipher.final(),
      ]).toString('utf8')
    },
  }
}

/** Parses a key given as 64 hex chars or base64 of 32 bytes. */
export function parseSecretKey(raw: string): Buffer {
  const trimmed = raw.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64')
  if (key.length !== 32)
    throw new Error('SORTIE_SECRET_KEY must be 32 bytes (64 hex chars or base64)')
  return key
}

/** A new API key token; only its hash is stored. */
export function generateApiToken(): string {
  return `sk_${randomBytes(32).toString('base64url')}`
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A Standard Webhooks signing secret. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

/** The newest API's AccountInfo.challengeToken: 32 random bytes, URL-safe. */
export function generateChallengeToken(): string {
  return randomBytes(32).toString('base64url')
}
