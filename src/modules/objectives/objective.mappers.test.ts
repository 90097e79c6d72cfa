import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { presentEvent } from './objective.mappers.ts'

const child = {
  id: 'obj_child',
  accountId: 'acct_1',
  workspaceId: 'ws_1',
  profileId: 'prof_1',
  externalId: '',
  labels: {},
  createdAt: '2026-01-01T00:00:00.000Z',
}
const agent = { ...child, id: 'agent_1', name: 'helper' }

describe('presentEvent', () => {
  it('a stored subAgentSpawned reads as subObjectiveCreated{metadata} on the implicit family', () => {
    const stored = {
      type: 'subAgentSpawned' as const,
      payload: { agent, objective: child, task: 'do it' },
    }
    assert.deepEqual(presentEvent(stored, 'workspace'), {
      type: 'subAgentSpawned',
      subAgentSpawned: { agent, objective: child, task: 'do it' },
    })
    assert.deepEqual(presentEvent(stored, 'implicit'), {
      type: 'subObjectiveCreated',
      subObjectiveCreated: { metadata: child },
    })
  })

  it('a subObjectiveCreated stored before subAgentSpawned existed reads as subAgentSpawned{objective} on the workspace family', () => {
    const stored = { type: 'subObjectiveCreated' as const, payload: { metadata: child } }
    assert.deepEqual(presentEvent(stored, 'implicit'), {
      type: 'subObjectiveCreated',
      subObjectiveCreated: { metadata: child },
    })
    assert.deepEqual(presentEvent(stored, 'workspace'), {
      type: 'subAgentSpawned',
      subAgentSpawned: { objective: child },
    })
  })

  it('every other variant, subAgentUpdated included, reads the same in both families', () => {
    const stored = {
      type: 'subAgentUpdated' as const,
      payload: {
        agent: { id: 'agent_1', name: 'helper' },
        objective: { id: 'obj_child' },
        status: 'STATUS_COMPLETED' as const,
        message: 'done',
      },
    }
    const expected = { type: 'subAgentUpdated', subAgentUpdated: stored.payload }
    assert.deepEqual(presentEvent(stored, 'implicit'), expected)
    assert.deepEqual(presentEvent(stored, 'workspace'), expected)
  })
})
