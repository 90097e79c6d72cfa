/**
 * One engine scenario in a process of its own, for `npm run bench -- versus`:
 * `tsx bench/engine-once.ts '{"mode":"same-work","objectives":300,"toolTurns":5,"concurrency":50}'`
 * prints the result as one JSON line on stdout.
 */
import { runOnce, type Scenario } from './engine.ts'

const scenario = JSON.parse(process.argv[2] ?? '{}') as Scenario
process.stdout.write(JSON.stringify(await runOnce(scenario)) + '\n')
process.exit(0)
