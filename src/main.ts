import { Command } from 'commander'
import { createSortie } from './app.ts'
import { loadConfig } from './config.ts'

const program = new Command()
  .name('sortie')
  .description('Run AI agents as durable objectives')
  .showHelpAfterError()

program
  .command('serve')
  .description('Serve the API (starts the embedded Postgres unless DATABASE_URL is set)')
  .action(async () => {
    const config = loadConfig()
    const sortie = await createSortie(config)
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
    log.info({ url: `http://${address.address}:${address.port}` }, 'sortie is serving')
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) return
      stopping = true
      log.info({ signal }, 'stopping')
      await sortie.stop()
      process.exit(0)
    }
    process.on('SIGINT', () => void stop('SIGINT'))
    process.on('SIGTERM', () => void stop('SIGTERM'))
  })

program
  .command('migrate')
  .description('Migrate the database to the latest version and exit')
  .action(async () => {
    const sortie = await createSortie(loadConfig())
    await sortie.stop()
  })

await program.parseAsync(process.argv)
