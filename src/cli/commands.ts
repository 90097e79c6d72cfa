import { createInterface } from 'node:readline/promises'
import type { Command } from 'commander'
import { clientFromEnv } from './client.ts'
import { runObjective } from './run.ts'
import { listSchedules } from './schedules.ts'
import { serverFromEnv, watchObjective } from './watch.ts'

/** Asks on a TTY whether to cancel; without a TTY an interrupt only detaches. */
function onInterrupt(): Promise<boolean> {
  return new Promise((resolve) => {
    process.once('SIGINT', async () => {
      if (!process.stdin.isTTY) return resolve(false)
      const rl = createInterface({ input: process.stdin, output: process.stderr })
      const answer = await rl.question('\nCancel the objective? [y/N] ')
      rl.close()
      resolve(/^y(es)?$/i.test(answer.trim()))
    })
  })
}

/** Commands that talk to a running server over HTTP (SORTIE_URL, SORTIE_TOKEN). */
export function registerClientCommands(program: Command): void {
  program
    .command('run')
    .description('Create an objective and follow its events live')
    .requiredOption('--agent <id>', 'agent id or external id')
    .option('--variation <id>', 'use this variation instead of letting Sortie choose')
    .option('--url <url>', 'server URL (default $SORTIE_URL or http://127.0.0.1:8787)')
    .option('--token <token>', 'API key (default $SORTIE_TOKEN)')
    .argument('<message>', 'the initial message')
    .action(async (message: string, flags) => {
      try {
        const client = clientFromEnv(flags)
        const code = await runObjective(client, {
          agent: flags.agent,
          variation: flags.variation,
          message,
          write: (line) => process.stdout.write(`${line}\n`),
          interrupted: onInterrupt(),
        })
        process.exit(code)
      } catch (err) {
        process.stderr.write(`sortie run: ${(err as Error).message}\n`)
        process.exit(1)
      }
    })

  const objectives =
    program.commands.find((c) => c.name() === 'objectives') ??
    program.command('objectives').description('Objectives on a running server')
  objectives
    .command('watch')
    .description("Follow an objective's events live; survives server restarts")
    .option('--url <url>', 'server URL (default $SORTIE_URL or http://127.0.0.1:8787)')
    .option('--token <token>', 'API key (default $SORTIE_TOKEN)')
    .argument('<id>', 'objective id or external_id:<value>')
    .action(async (id: string, flags) => {
      try {
        const { baseUrl, token } = serverFromEnv(flags)
        const code = await watchObjective({
          baseUrl,
          token,
          objectiveId: id,
          write: (line) => process.stdout.write(`${line}\n`),
          warn: (line) => process.stderr.write(`${line}\n`),
        })
        process.exit(code)
      } catch (err) {
        process.stderr.write(`sortie objectives watch: ${(err as Error).message}\n`)
        process.exit(1)
      }
    })

  const schedules = program.command('schedules').description('Agent schedules on a running server')
  schedules
    .command('list')
    .description('List schedules with their next fire time')
    .option('--agent <id>', 'only this agent (id or external_id:<value>)')
    .option('--url <url>', 'server URL (default $SORTIE_URL or http://127.0.0.1:8787)')
    .option('--token <token>', 'API key (default $SORTIE_TOKEN)')
    .action(async (flags) => {
      try {
        await listSchedules(clientFromEnv(flags), {
          agent: flags.agent,
          write: (line) => process.stdout.write(`${line}\n`),
        })
        process.exit(0)
      } catch (err) {
        process.stderr.write(`sortie schedules list: ${(err as Error).message}\n`)
        process.exit(1)
      }
    })
}
