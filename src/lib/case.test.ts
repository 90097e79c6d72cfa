import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { normalizeKeys } from './case.ts'

const schema = z.object({
  metadata: z.object({
    externalId: z.string().optional(),
    labels: z.record(z.string(), z.string()),
  }),
  spec: z.object({ webhookEventsUrl: z.string().optional(), inputDataSchema: z.unknown() }),
  items: z.array(z.object({ toolSetId: z.string() })).optional(),
})

test('snake_case field names become the camelCase names the schema declares', () => {
  const out = normalizeKeys(schema, {
    metadata: { external_id: 'x', labels: {} },
    spec: { webhook_events_url: 'u' },
    items: [{ tool_set_id: 't' }],
  })
  assert.deepEqual(out, {
    metadata: { externalId: 'x', labels: {} },
    spec: { webhookEventsUrl: 'u' },
    items: [{ toolSetId: 't' }],
  })
})

test('keys inside free-form maps and JSON values are kept as sent', () => {
  const out = normalizeKeys(schema, {
    metadata: { labels: { team_name: 'a' } },
    spec: { input_data_schema: { properties: { first_name: { type: 'string' } } } },
  }) as any
  assert.deepEqual(out.metadata.labels, { team_name: 'a' })
  assert.deepEqual(out.spec.inputDataSchema.properties, { first_name: { type: 'string' } })
})

test('with nullIsUnset, null on an optional field is dropped; nulls in free-form values and required fields stay', () => {
  const out = normalizeKeys(
    schema,
    {
      metadata: { external_id: null, labels: { a: 'b' } },
      spec: { webhookEventsUrl: null, inputDataSchema: { default: null } },
      items: null,
    },
    { nullIsUnset: true },
  ) as any
  assert.deepEqual(out, {
    metadata: { labels: { a: 'b' } },
    spec: { inputDataSchema: { default: null } },
  })
  const required = normalizeKeys(schema, { metadata: null }, { nullIsUnset: true }) as any
  assert.deepEqual(required, { metadata: null })
  const kept = normalizeKeys(schema, { items: null }) as any
  assert.deepEqual(kept, { items: null })
})
