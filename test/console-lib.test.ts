/**
 * The console's pure parts, run under node: the SSE parser it reads streams with (fetch, since
 * EventSource cannot send the Authorization header) and the posterior math of its charts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseSse, type SseFrame } from '../console/src/sse.ts'
import {
  betaDensity,
  lnGamma,
  posteriorHistory,
  posteriorOf,
  winProbabilities,
} from '../console/src/thompson.ts'

function frames(chunks: string[]): SseFrame[] {
  const out: SseFrame[] = []
  const p = parseSse((f) => out.push(f))
  for (const c of chunks) p.push(c)
  return out
}

describe('console SSE parser', () => {
  const stream =
    'retry: 3000\n: sortie event stream\n\nid: oevt_1\ndata: {"a":1}\n\n' +
    'event: ping\ndata: ping\n\nid: oevt_2\ndata: line one\ndata: line two\n\n'

  it('reads id, event, multi-line data, retry and skips comments', () => {
    assert.deepEqual(frames([stream]), [
      { id: undefined, event: 'message', data: '', retry: 3000 },
      { id: 'oevt_1', event: 'message', data: '{"a":1}', retry: undefined },
      { id: undefined, event: 'ping', data: 'ping', retry: undefined },
      { id: 'oevt_2', event: 'message', data: 'line one\nline two', retry: undefined },
    ])
  })

  it('gives the same frames however the stream is split, CRLF included', () => {
    const whole = frames([stream])
    for (let size = 1; size < 12; size++) {
      const chunks = stream.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!
      assert.deepEqual(frames(chunks), whole, `chunks of ${size}`)
    }
    const crlf = stream.replace(/\n/g, '\r\n')
    for (let size = 1; size < 12; size++) {
      const chunks = crlf.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!
      assert.deepEqual(frames(chunks), whole, `CRLF chunks of ${size}`)
    }
  })

  it('holds back a frame until its blank line arrives', () => {
    assert.deepEqual(frames(['id: oevt_3\ndata: x\n']), [])
  })
})

describe('console posterior math (docs/decisions.md decision 6)', () => {
  it('recovers alpha and beta from the served score and feedback count', () => {
    // Two feedbacks of +1 and one of -1: alpha = 1 + 1 + 1 + 0, beta = 1 + 0 + 0 + 1.
    const replayed = posteriorHistory([1, 1, -1]).at(-1)!
    assert.deepEqual(replayed, { alpha: 3, beta: 2 })
    const score = replayed.alpha / (replayed.alpha + replayed.beta)
    const p = posteriorOf(score, 3)
    assert.ok(Math.abs(p.alpha - 3) < 1e-9 && Math.abs(p.beta - 2) < 1e-9)
    assert.deepEqual(posteriorOf(0.5, 0), { alpha: 1, beta: 1 })
  })

  it('lnGamma matches factorials and the Beta density integrates to 1', () => {
    assert.ok(Math.abs(lnGamma(5) - Math.log(24)) < 1e-10)
    assert.ok(Math.abs(lnGamma(0.5) - Math.log(Math.sqrt(Math.PI))) < 1e-10)
    for (const p of [
      { alpha: 1, beta: 1 },
      { alpha: 3.5, beta: 2 },
      { alpha: 40, beta: 12 },
    ]) {
      let area = 0
      const n = 20_000
      for (let i = 0; i < n; i++) area += betaDensity((i + 0.5) / n, p) / n
      assert.ok(Math.abs(area - 1) < 1e-3, `area ${area} for ${JSON.stringify(p)}`)
    }
  })

  it('win probabilities sum to 1, are even for equal posteriors and favour the better one', () => {
    const even = winProbabilities([
      { alpha: 2, beta: 2 },
      { alpha: 2, beta: 2 },
    ])
    assert.ok(Math.abs(even[0] - 0.5) < 1e-3 && Math.abs(even[1] - 0.5) < 1e-3)
    const skewed = winProbabilities([
      { alpha: 30, beta: 10 },
      { alpha: 10, beta: 30 },
      { alpha: 1, beta: 1 },
    ])
    assert.ok(Math.abs(skewed.reduce((a, b) => a + b) - 1) < 1e-3)
    assert.ok(skewed[0] > 0.7 && skewed[1] < 0.01)
  })
})
