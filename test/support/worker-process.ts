import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Starts `sortie worker` as its own process (so a test can SIGKILL it) with `env` on top of a
 * fresh data directory, and resolves once it says it is running; rejects with its output if it
 * exits first. The caller kills it (tests keep their children in a list for `after`).
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/sortie.js', 'worker'], {
    env: {
      PATH: process.env.PATH,
      SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-worker-')),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)))
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      output = (output + d).slice(-20_000)
      if (output.includes('sortie worker is running')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${output}`)))
  })
  return child
}
