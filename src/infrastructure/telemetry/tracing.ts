import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type BufferConfig,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config/config';

export type SamplerName = Config['OTEL_TRACES_SAMPLER'];

export const TRACER_NAME = 'face-recognition';

export interface TracingOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** More resource attributes (e.g. `service.instance.id`, `processor.id`). */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /** OTLP/HTTP base URL (spans go to `<endpoint>/v1/traces`); unset = no OTLP exporter (and, without `exporter`, no tracing). */
  readonly endpoint?: string;
  /** OTEL_SDK_DISABLED: no provider at all, the API stays a no-op. */
  readonly disabled?: boolean;
  readonly sampler?: SamplerName;
  /** Ratio for the *traceidratio samplers (0–1). */
  readonly samplerArg?: number;
  /** Another exporter (benchmarks, tests); used in addition to the OTLP one when both are given. */
  readonly exporter?: SpanExporter;
  /** 'simple' exports each span as it ends (tests); default 'batch'. */
  readonly processor?: 'batch' | 'simple';
  readonly batch?: BufferConfig;
  /** Trace ioredis commands (children of the active span only). Default true. */
  readonly instrumentRedis?: boolean;
  /** Install the provider, W3C propagation and the async context manager globally. Default true. */
  readonly registerGlobally?: boolean;
}

export interface Tracing {
  /** False when OTEL_SDK_DISABLED or when there is no exporter: `tracer` is then the API's no-op tracer. */
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** Exports what is buffered. */
  forceFlush(): Promise<void>;
  /** Flushes, stops exporting and unregisters the global provider and instrumentations. Idempotent. */
  shutdown(): Promise<void>;
}

export function createSampler(name: SamplerName = 'parentbased_always_on', ratio = 1): Sampler {
  const bounded = Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1;
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(bounded);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(bounded) });
  }
}

export const tracesUrl = (endpoint: string): string => `${endpoint.replace(/\/+$/, '')}/v1/traces`;

/** The tracing options the service's configuration asks for. */
export function tracingOptionsFromConfig(config: Config, serviceVersion?: string): TracingOptions {
  return {
    serviceName: config.OTEL_SERVICE_NAME,
    ...(serviceVersion !== undefined ? { serviceVersion } : {}),
    resourceAttributes: { 'processor.id': config.PROCESSOR_ID },
    ...(config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ? { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
    disabled: config.OTEL_SDK_DISABLED,
    sampler: config.OTEL_TRACES_SAMPLER,
    samplerArg: config.OTEL_TRACES_SAMPLER_ARG,
  };
}

const DISABLED: Tracing = {
  enabled: false,
  tracer: trace.getTracer(TRACER_NAME),
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

/**
 * Sets up OpenTelemetry tracing: resource, sampler, exporters, W3C trace
 * context propagation and the ioredis instrumentation. Call it before the
 * Redis client is created (and ideally before `ioredis` is first required, so
 * the instrumentation can patch it).
 */
export function setupTracing(options: TracingOptions): Tracing {
  if (options.disabled) return DISABLED;
  // Nowhere to export: recording spans would only cost CPU, and results would carry a traceparent
  // of spans nobody sees (orphaning downstream spans). Stay a no-op: the producer's context then
  // passes through unchanged (OtelFrameTelemetry with tracer null).
  if (!options.endpoint && !options.exporter) return DISABLED;

  const exporters: SpanExporter[] = [];
  if (options.endpoint) exporters.push(new OTLPTraceExporter({ url: tracesUrl(options.endpoint) }));
  if (options.exporter) exporters.push(options.exporter);
  const spanProcessors: SpanProcessor[] = exporters.map((exporter) =>
    options.processor === 'simple' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter, options.batch),
  );

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion !== undefined ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      ...options.resourceAttributes,
    }),
    sampler: createSampler(options.sampler, options.samplerArg),
    spanProcessors,
  });

  const registerGlobally = options.registerGlobally ?? true;
  // Default registration = W3C traceparent/tracestate (+ baggage) propagator and the AsyncLocalStorage context manager.
  if (registerGlobally) provider.register();
  const unregisterInstrumentations =
    options.instrumentRedis === false
      ? () => undefined
      : registerInstrumentations({ instrumentations: [new IORedisInstrumentation({ requireParentSpan: true })], tracerProvider: provider });

  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    tracer: provider.getTracer(TRACER_NAME, options.serviceVersion),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => {
      stopped ??= (async () => {
        unregisterInstrumentations();
        try {
          await provider.shutdown();
        } finally {
          if (registerGlobally) {
            trace.disable();
            propagation.disable();
            context.disable();
          }
        }
      })();
      return stopped;
    },
  };
}
