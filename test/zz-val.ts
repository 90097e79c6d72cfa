import SwaggerParser from '@apidevtools/swagger-parser'
import { startTestSortie } from './support/sortie.ts'
const t = await startTestSortie()
const doc = (await t.api('GET', '/openapi.json')).body
console.log(Object.keys(doc.paths).length, 'paths')
try {
  await SwaggerParser.validate(structuredClone(doc))
  console.log('VALID')
} catch (e) { console.log('INVALID', String(e).slice(0, 3000)) }
await t.sortie.stop()
process.exit(0)
