import type { Container } from 'inversify';
import { TOKENS } from '../../../application/tokens';
import { AnalyzeFaces, type AnalyzeFacesOptions } from '../../../application/use-cases/analyze-faces';
import { ProcessFrames } from '../../../application/use-cases/process-frames';
import { SERVICE_VERSION, type Config } from '../../config/config';
import { InlineFrameImageStore } from '../../embedded/inline-image-store';
import { OtelFrameTelemetry } from '../../telemetry/otel-frame-telemetry';
import { PrometheusMetrics } from '../../telemetry/prometheus-metrics';
import { setupTracing, type SamplerName, type Tracing } from '../../telemetry/tracing';
import type { DiscardingFrames } from './discarding-frames';

export type ConfigurationName = 'A' | 'B' | 'C';

export interface Configuration {
  readonly name: ConfigurationName;
  readonly label: string;
  readonly tracing: Tracing | null;
  /** Path prefix of this configuration's exports at the sink (B and C). */
  readonly sinkPrefix: string | null;
  readonly processFrames: ProcessFrames;
}

/** Out of the way: in the benchmark a configuration's exports happen in its own rounds only (see TracingRounds). */
const NEVER_MS = 3_600_000;

/**
 * A, B and C over the same pipeline (the container's models), each with its
 * own OtelFrameTelemetry and, for B and C, a NodeTracerProvider exporting to
 * `sinkEndpoint` under a prefix of its own. Every provider created is pushed
 * to `tracings` at once, so that the caller shuts it down even if a later one fails.
 */
export function tracedConfigurations(
  container: Container,
  config: Config,
  frames: DiscardingFrames,
  sinkEndpoint: string,
  defaults: { readonly sampler: SamplerName; readonly ratio: number },
  modelVersion: string,
  tracings: Tracing[],
): Configuration[] {
  const metrics = new PrometheusMetrics({ gpu: false });
  const images = new InlineFrameImageStore();
  const configuration = (name: ConfigurationName, label: string, sampler: SamplerName | null, ratio = 1): Configuration => {
    const sinkPrefix = sampler === null ? null : `/${name.toLowerCase()}`;
    const tracing =
      sampler === null
        ? null
        : setupTracing({
            serviceName: config.OTEL_SERVICE_NAME,
            serviceVersion: SERVICE_VERSION,
            resourceAttributes: { 'processor.id': config.PROCESSOR_ID, 'bench.configuration': name },
            endpoint: `${sinkEndpoint}${sinkPrefix}`,
            sampler,
            samplerArg: ratio,
            instrumentRedis: false,
            registerGlobally: false,
            // No timed or size-triggered export of its own: TracingRounds exports on the service's schedule, inside this configuration's rounds.
            batch: { scheduledDelayMillis: NEVER_MS, maxQueueSize: 65_536, maxExportBatchSize: 65_536 },
          });
    if (tracing !== null) {
      if (!tracing.enabled) throw new Error(`configuration ${name}: setupTracing returned no provider`);
      tracings.push(tracing);
    }
    const telemetry = new OtelFrameTelemetry({
      tracer: tracing === null ? null : tracing.tracer,
      processorId: config.PROCESSOR_ID,
      queue: `frames:ready:${config.PROCESSOR_ID}`,
      consumerGroup: config.CONSUMER_GROUP,
      metrics,
    });
    const analyze = new AnalyzeFaces(
      {
        decoder: container.get(TOKENS.ImageDecoder),
        detector: container.get(TOKENS.FaceDetector),
        landmarks: container.get(TOKENS.LandmarkLocator),
        aligner: container.get(TOKENS.FaceAligner),
        embedder: container.get(TOKENS.FaceEmbedder),
        instrumentation: telemetry,
      },
      container.get<AnalyzeFacesOptions>(TOKENS.AnalyzeFacesOptions),
    );
    const processFrames = new ProcessFrames(
      { analyze, images, queue: frames, publisher: frames, telemetry, metrics, now: Date.now },
      { processorId: config.PROCESSOR_ID, modelVersion, maxAttempts: config.MAX_ATTEMPTS, publishEmbeddings: config.PUBLISH_EMBEDDINGS },
    );
    return { name, label, tracing, sinkPrefix, processFrames };
  };
  return [
    configuration('A', 'tracing disabled (OTEL_SDK_DISABLED=true: OtelFrameTelemetry tracer null, no provider, no context manager)', null),
    configuration('B', `service default sampler ${defaults.sampler} ${defaults.ratio}, OTLP/HTTP export to the sink`, defaults.sampler, defaults.ratio),
    configuration('C', '100% sampling (always_on), OTLP/HTTP export to the sink', 'always_on'),
  ];
}
