import assert from 'node:assert/strict'
import { test } from 'node:test'
import { allRoutes } from '../../routes.ts'
import { covers, permissionFor } from './permissions.ts'

test('a route needs its family read for GET, write otherwise, control for the steering verbs', () => {
  assert.equal(permissionFor('GET', '/agents/{id}'), 'agents:read')
  assert.equal(permissionFor('PATCH', '/agents/{agentId}/variations/{id}'), 'agents:write')
  assert.equal(permissionFor('POST', '/objectives'), 'objectives:write')
  assert.equal(permissionFor('POST', '/objectives/{objectiveId}/cancel'), 'objectives:control')
  assert.equal(
    permissionFor('PUT', '/objectives/{objectiveId}/tool_calls/{toolCallId}/approve'),
    'objectives:control',
  )
  assert.equal(permissionFor('GET', '/objectives/{objectiveId}/events/stream'), 'objectives:read')
  assert.equal(permissionFor('DELETE', '/tool_sets/{toolSetId}/secrets/{id}'), 'secrets:write')
  assert.equal(permissionFor('GET', '/agents/{agentId}/webhook_deliveries'), 'webhooks:read')
  assert.equal(permissionFor('GET', '/somewhere/new'), '*', 'an unknown family needs "*"')
})

test('"*" covers every workspace permission but not account:manage; write covers read', () => {
  assert.ok(covers(['*'], 'agents:write'))
  assert.ok(covers(['*'], 'objectives:control'))
  assert.ok(!covers(['*'], 'account:manage'))
  assert.ok(covers(['agents:write'], 'agents:read'))
  assert.ok(covers(['agents:manage'], 'agents:write'), 'manage is the older name of write')
  assert.ok(!covers(['agents:read'], 'agents:write'))
  assert.ok(!covers(['objectives:write'], 'objectives:control'))
  assert.ok(!covers(['agents:write'], '*'))
})

test('every workspace route of the app belongs to a permission family', () => {
  const orphans = allRoutes
    .filter((r) => r.scope === 'workspace' && !r.permission)
    .filter((r) => permissionFor(r.method, r.path) === '*')
    .map((r) => `${r.method} ${r.path}`)
  assert.deepEqual(orphans, [])
})
