import 'reflect-metadata';
import type { Container } from 'inversify';
import type { IdentityIndex } from './application/ports/identity-index';
import { TOKENS } from './application/tokens';
import { applyGcPolicy } from './composition/gc-policy';
import { createHttpServer } from './composition/http';
import { bindRegistration, onceShutdown, stopWhenEmbeddedInputEnds } from './composition/lifecycle';
import { openGallery } from './composition/gallery';
import { createContainer, releaseContainer, reportModelsLoaded } from './composition/pipeline';
import { processorStatus } from './composition/status';
import { createTelemetry } from './composition/telemetry';
import { bindFrameConsumer, createTransport } from './composition/transport';
import { loadConfig, SERVICE_VERSION, type Config } from './infrastructure/config/config';
import { ConfigError } from './infrastructure/config/env-schema';
import { createLogger } from './infrastructure/logging/logger';
import type { LoadedModelSet } from './infrastructure/onnx/model-set';
import type { EmbeddedTransport } from './infrastructure/runtime/embedded-transport';
import { INFRA } from './infrastructure/tokens';

export interface RunningService {
  readonly container: Container;
  readonly httpPort: number;
  /** Resolves when the service has stopped (signal, EXIT_WHEN_DONE, or stop()). */
  readonly stopped: Promise<void>;
  stop(reason: string): Promise<void>;
}

/**
 * The composition root. Starts the processor: tracing first, then models and
 * the gallery, the transport (Redis, or the embedded folder), the HTTP server
 * (/health, /metrics, /v1), registration with the orchestrator (in the
 * background), and consumption — the very last step, so that a signal during
 * start-up has taken no frame. Config is validated by the caller.
 */
export async function startService(config: Config): Promise<RunningService> {
  const logger = createLogger(config.LOG_LEVEL);
  const telemetry = createTelemetry(config, SERVICE_VERSION);
  const container = await createContainer(config, { instrumentation: telemetry.frames, logger });
  telemetry.metrics.setGallerySize(() => container.get<IdentityIndex>(TOKENS.IdentityIndex).size);
  const modelSet = container.get<LoadedModelSet>(INFRA.ModelSet);
  reportModelsLoaded(modelSet, telemetry.metrics, logger);
  const gallery = await openGallery(config, container, logger, `face-recognition:${config.PROCESSOR_ID}`).catch(async (error: unknown) => {
    await releaseContainer(container);
    throw error;
  });

  const transport = await createTransport(config, logger);
  telemetry.metrics.setPendingCount(() => transport.queue.pendingCount());
  const consumer = bindFrameConsumer(container, config, { transport, telemetry: telemetry.frames, metrics: telemetry.metrics, modelVersion: modelSet.version }, logger);
  const registration = bindRegistration(container, config, { version: SERVICE_VERSION, modelVersion: modelSet.version }, logger);
  const http = createHttpServer({
    config,
    container,
    logger,
    metrics: telemetry.metrics,
    tracing: telemetry.tracing,
    instrumentation: telemetry.frames,
    ...(transport.ping ? { redisPing: transport.ping } : {}),
    gallery: (gate) => gallery.useCases(gate),
    status: processorStatus(config, SERVICE_VERSION, { consumer, lifecycle: registration?.lifecycle ?? null, modelSet }),
  });
  const address = await http.start();
  logger.info('http server listening', { host: address.host, port: address.port, paths: ['/health', '/ready', '/metrics', '/v1'] });

  // After the server listens (health answers during a store outage), before frames are taken: they match against the loaded gallery.
  await gallery.load();
  await consumer.start();
  registration?.lifecycle.start();
  logger.info('consuming frames', { queue: transport.queue.stream, mode: config.REDIS_URL ? 'redis' : 'embedded', capacity: config.CAPACITY, maxBatch: config.MAX_BATCH, allocator: process.env.LD_PRELOAD?.includes('libjemalloc') ? 'jemalloc' : 'system' });

  // The order of the contract: stop reading, finish in-flight frames, publish + ack, unregister, close.
  const { stop, stopped } = onceShutdown(logger, async () => {
    const drained = await consumer.stop(config.SHUTDOWN_TIMEOUT_S * 1000);
    await registration?.lifecycle.stop();
    await registration?.orchestrator.close();
    await http.stop();
    await gallery.close();
    await transport.close();
    await telemetry.tracing.shutdown();
    await releaseContainer(container);
    return drained;
  });
  if (!config.REDIS_URL) stopWhenEmbeddedInputEnds(transport as EmbeddedTransport, config, logger, stop);
  return { container, httpPort: address.port, stopped, stop };
}

/**
 * Signals are handled from the first moment: as PID 1 of a container an
 * unhandled SIGTERM is ignored, and under `npm start` a second copy of the
 * signal may arrive (npm forwards what the terminal also sends to the whole
 * process group), so a repeated signal joins the shutdown under way.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  let service: RunningService | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (service) {
      void service.stop(signal);
      return;
    }
    // Still starting: no frame is taken from the queue (the very last step of start-up) and nothing is registered yet.
    createLogger(config.LOG_LEVEL).info('signal during start-up; exiting', { signal });
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
  service = await startService(config);
  await service.stopped;
}

if (require.main === module) {
  applyGcPolicy();
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      const message = error instanceof ConfigError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(`face-recognition failed to start: ${message}\n`);
      process.exit(1);
    },
  );
}
