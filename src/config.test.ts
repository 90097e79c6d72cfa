import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from './config.ts'

describe('telemetry configuration', () => {
  it('tracing is off without an OTLP endpoint, and an empty one is none', () => {
    assert.equal(loadConfig({}).telemetry.otlpTracesUrl, undefined)
    assert.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).telemetry.otlpTracesUrl, undefined)
  })

  it('the general endpoint gets /v1/traces appended; the traces endpoint is used as is and wins', () => {
    const base = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })
    assert.equal(base.telemetry.otlpTracesUrl, 'http://collector:4318/v1/traces')
    const both = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom',
    })
    assert.equal(both.telemetry.otlpTracesUrl, 'http://traces:9999/custom')
  })

  it('service name defaults to sortie and content capture to off', () => {
    const c = loadConfig({})
    assert.equal(c.telemetry.serviceName, 'sortie')
    assert.equal(c.telemetry.captureContent, false)
    assert.equal(loadConfig({ SORTIE_OTEL_CAPTURE_CONTENT: '1' }).telemetry.captureContent, true)
  })

  it('a malformed endpoint or capture flag stops start-up naming the variable', () => {
    assert.throws(
      () => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }),
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    )
    assert.throws(
      () => loadConfig({ SORTIE_OTEL_CAPTURE_CONTENT: 'yes' }),
      /SORTIE_OTEL_CAPTURE_CONTENT/,
    )
    assert.throws(() => loadConfig({ SORTIE_METRICS_PORT: '70000' }), /SORTIE_METRICS_PORT/)
  })
})
