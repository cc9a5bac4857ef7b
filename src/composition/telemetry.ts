import type { Config } from '../infrastructure/config/config';
import { OtelFrameTelemetry } from '../infrastructure/telemetry/otel-frame-telemetry';
import { PrometheusMetrics } from '../infrastructure/telemetry/prometheus-metrics';
import { setupTracing, tracingOptionsFromConfig, type Tracing } from '../infrastructure/telemetry/tracing';

export interface ServiceTelemetry {
  readonly tracing: Tracing;
  readonly metrics: PrometheusMetrics;
  /** Frame spans and stage metrics; also the API's stage instrumentation. */
  readonly frames: OtelFrameTelemetry;
}

/** Must run before anything requires ioredis, so that its instrumentation can patch it. */
export function createTelemetry(config: Config, serviceVersion: string): ServiceTelemetry {
  const tracing = setupTracing(tracingOptionsFromConfig(config, serviceVersion));
  const metrics = new PrometheusMetrics({ gpu: 'auto' });
  const frames = new OtelFrameTelemetry({
    tracer: tracing.enabled ? tracing.tracer : null,
    processorId: config.PROCESSOR_ID,
    queue: config.REDIS_URL ? `frames:ready:${config.PROCESSOR_ID}` : 'embedded',
    consumerGroup: config.CONSUMER_GROUP,
    metrics,
  });
  return { tracing, metrics, frames };
}
