import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Semaphore } from './semaphore.ts'

describe('Semaphore', () => {
  it('hands freed slots to waiters in arrival order', async () => {
    const sem = new Semaphore(1)
    const signal = new AbortController().signal
    const release = await sem.acquire(signal)
    const order: number[] = []
    const waiters = [1, 2, 3].map((n) =>
      sem.acquire(signal).then((rel) => {
        order.push(n)
        rel()
      }),
    )
    release()
    await Promise.all(waiters)
    assert.deepEqual(order, [1, 2, 3])
  })

  it('an aborted waiter leaves the queue and the slot goes to the next one', async () => {
    const sem = new Semaphore(1)
    const release = await sem.acquire(new AbortController().signal)
    const ctl = new AbortController()
    const aborted = sem.acquire(ctl.signal)
    const next = sem.acquire(new AbortController().signal)
    ctl.abort()
    await assert.rejects(aborted, { name: 'AbortError' })
    release()
    const rel = await next
    rel()
    // the slot is free again: an acquire resolves at once
    ;(await sem.acquire(new AbortController().signal))()
  })

  it('releasing twice frees only one slot', async () => {
    const sem = new Semaphore(1)
    const signal = new AbortController().signal
    const release = await sem.acquire(signal)
    release()
    release()
    const held = await sem.acquire(signal)
    let second = false
    void sem.acquire(signal).then(() => (second = true))
    await new Promise((r) => setTimeout(r, 10))
    assert.equal(second, false)
    held()
  })
})
