import type { Tracer } from '@opentelemetry/api'
import type { TelemetryConfig } from '../config.ts'

/** A tracer exporting over OTLP/HTTP, and how to flush it at shutdown. */
export interface Tracing {
  tracer: Tracer
  /** Prompts, answers, tool arguments and results may go into spans (SORTIE_OTEL_CAPTURE_CONTENT). */
  captureContent: boolean
  /** Exports what is buffered and stops exporting. */
  shutdown(): Promise<void>
}

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is configured (docs/api.md
 * section 11). Without one it returns undefined and loads nothing: the SDK and the exporter
 * are imported here only, on demand, so a deployment without tracing pays for neither. The
 * provider is not registered globally: only Sortie's own spans are exported, through this tracer.
 * The exporter reads the other standard variables (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT,
 * _COMPRESSION) from the process environment itself.
 */
export async function startTracing(config: TelemetryConfig): Promise<Tracing | undefined> {
  if (!config.otlpTracesUrl) return undefined
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, resources] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ])
  const exporter = new OTLPTraceExporter({ url: config.otlpTracesUrl })
  const provider = new BasicTracerProvider({
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ 'service.name': config.serviceName })),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  })
  return {
    tracer: provider.getTracer('sortie'),
    captureContent: config.captureContent,
    shutdown: () => provider.shutdown(),
  }
}
