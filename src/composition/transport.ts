import type { Container } from 'inversify';
import type { FrameTelemetry, ProcessorMetrics } from '../application/ports/frame-telemetry';
import { FrameConsumer } from '../application/services/frame-consumer';
import { TOKENS } from '../application/tokens';
import { ProcessFrames } from '../application/use-cases/process-frames';
import type { Config } from '../infrastructure/config/config';
import type { AppLogger } from '../infrastructure/logging/logger';
import { createEmbeddedTransport } from '../infrastructure/runtime/embedded-transport';
import type { FrameTransport } from '../infrastructure/runtime/redis-transport';
import { INFRA } from '../infrastructure/tokens';

/** Redis Streams when REDIS_URL is set, else the embedded folder → JSON lines transport. */
export async function createTransport(config: Config, logger: AppLogger): Promise<FrameTransport> {
  if (!config.REDIS_URL) return createEmbeddedTransport(config);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after tracing on purpose (composition/telemetry.ts)
  const redis = require('../infrastructure/runtime/redis-transport') as typeof import('../infrastructure/runtime/redis-transport');
  return redis.createRedisTransport(config, config.REDIS_URL, logger);
}

export interface StreamParts {
  readonly transport: FrameTransport;
  readonly telemetry: FrameTelemetry;
  readonly metrics: ProcessorMetrics;
  readonly modelVersion: string;
}

/** Binds the transport's ports and the frame consumer (ProcessFrames over AnalyzeFaces) and returns the consumer. */
export function bindFrameConsumer(container: Container, config: Config, parts: StreamParts, logger: AppLogger): FrameConsumer {
  const { transport } = parts;
  container.bind(INFRA.Transport).toConstantValue(transport);
  container.bind(TOKENS.FrameQueue).toConstantValue(transport.queue);
  container.bind(TOKENS.ResultPublisher).toConstantValue(transport.publisher);
  container.bind(TOKENS.FrameImageStore).toConstantValue(transport.images);
  container.bind(TOKENS.FrameTelemetry).toConstantValue(parts.telemetry);
  container.bind(TOKENS.ProcessorMetrics).toConstantValue(parts.metrics);
  container.bind(TOKENS.ProcessFrames).toDynamicValue(
    (ctx) =>
      new ProcessFrames(
        {
          analyze: ctx.get(TOKENS.AnalyzeFaces),
          images: ctx.get(TOKENS.FrameImageStore),
          queue: ctx.get(TOKENS.FrameQueue),
          publisher: ctx.get(TOKENS.ResultPublisher),
          telemetry: ctx.get(TOKENS.FrameTelemetry),
          metrics: ctx.get(TOKENS.ProcessorMetrics),
          now: Date.now,
        },
        { processorId: config.PROCESSOR_ID, modelVersion: parts.modelVersion, maxAttempts: config.MAX_ATTEMPTS, publishEmbeddings: config.PUBLISH_EMBEDDINGS },
      ),
  );
  container.bind(TOKENS.FrameConsumer).toDynamicValue(
    (ctx) =>
      new FrameConsumer(
        ctx.get(TOKENS.FrameQueue),
        ctx.get(TOKENS.ProcessFrames),
        ctx.get(TOKENS.ProcessorMetrics),
        {
          capacity: config.CAPACITY,
          maxBatch: config.MAX_BATCH,
          maxBatchWaitMs: config.MAX_BATCH_WAIT_MS,
          claimIdleMs: config.CLAIM_IDLE_MS,
          claimIntervalMs: config.CLAIM_INTERVAL_MS,
          blockMs: 1000,
        },
        logger,
      ),
  );
  return container.get<FrameConsumer>(TOKENS.FrameConsumer);
}
