import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { batchable } from './group-commit.ts'
import type { StepWrite } from './journal.ts'

const hot: StepWrite = {
  windowId: 'w',
  events: [],
  toolCallUpdates: [{ id: 'c', executionStatus: 'X', result: 'r' }],
  add: { inputTokens: 1, outputTokens: 2, toolCalls: 1, refused: 0 },
  limitStrikes: 0,
}

describe('group commit: what is batched', () => {
  it('batches the hot shape: events, tool calls and results, counters, limit strikes', () => {
    assert.equal(batchable(hot), true)
  })

  it('batches a model turn: its tokens, call count, cost, last call usage and window prices', () => {
    const turn: StepWrite = {
      ...hot,
      add: {
        inputTokens: 10,
        outputTokens: 3,
        modelCalls: 1,
        costUsd: '0.000013',
        lastCall: { inputTokens: 10, cachedInputTokens: 0 },
      },
      prices: { inputPricePerMillionTokens: '1' },
    }
    assert.equal(batchable(turn), true)
  })

  it('writes a state change, output, tasks, children or an unknown field alone', () => {
    const others: StepWrite[] = [
      { ...hot, state: { state: 'WAITING', waitReason: 'approval', message: '' } },
      { ...hot, output: { a: 1 } },
      { ...hot, tasks: [{ kind: 'complete', number: 1 }] },
      { ...hot, children: [{} as never] },
      { ...hot, somethingNew: 1 } as StepWrite,
      { ...hot, add: { inputTokens: 1, costMicros: 5 } as StepWrite['add'] },
    ]
    for (const step of others) assert.equal(batchable(step), false, JSON.stringify(step))
  })
})
