import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createAgents, postWebhook } from './sender.ts'

/**
 * A receiver in another process: it touches `received` when a request came in, answers 200 a
 * little later and then touches `answered`, so this process can tell without its event loop
 * that the answer is on the socket.
 */
const RECEIVER = `
const http = require('node:http'); const fs = require('node:fs')
const [dir] = process.argv.slice(1)
const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    fs.writeFileSync(dir + '/received', '')
    setTimeout(() => res.end('ok', () => fs.writeFileSync(dir + '/answered', '')), 200)
  })
})
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'))
`

describe('webhook sender', () => {
  it('an answer that arrived within the timeout counts even when the event loop stalled past it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sortie-sender-'))
    const child = spawn(process.execPath, ['-e', RECEIVER, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const agents = createAgents()
    try {
      const port = await new Promise<string>((resolve) =>
        child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
      )
      const timeoutMs = 1500
      const started = performance.now()
      const sent = postWebhook(
        `http://127.0.0.1:${port}/hooks`,
        '{}',
        {},
        {
          timeoutMs,
          allowPrivateTargets: true,
          agents,
        },
      )
      while (!existsSync(join(dir, 'received'))) await new Promise((r) => setTimeout(r, 5))
      // Block the event loop until the answer is on the socket and the timeout has passed (in a
      // check-phase callback, so the loop's next turn starts with the timers): the timer and the
      // answer are then both due when the loop runs again.
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          while (
            !existsSync(join(dir, 'answered')) ||
            performance.now() - started < timeoutMs + 100
          ) {
            // busy: a stalled event loop
          }
          resolve()
        }),
      )
      const result = await sent
      assert.equal(result.error, '')
      assert.equal(result.kind, 'response')
      assert.equal(result.status, 200)
    } finally {
      agents.http.destroy()
      child.kill()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
