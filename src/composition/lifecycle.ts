import { hostname } from 'node:os';
import type { Container } from 'inversify';
import type { Orchestrator } from '../application/ports/orchestrator';
import { ProcessorLifecycle } from '../application/services/processor-lifecycle';
import { TOKENS } from '../application/tokens';
import type { Config } from '../infrastructure/config/config';
import { HttpOrchestrator } from '../infrastructure/http/orchestrator/http-orchestrator';
import type { AppLogger } from '../infrastructure/logging/logger';
import type { EmbeddedTransport } from '../infrastructure/runtime/embedded-transport';

export const CAPABILITIES = ['face_detection', 'face_recognition'] as const;

export interface Registration {
  readonly lifecycle: ProcessorLifecycle;
  readonly orchestrator: HttpOrchestrator;
}

/** Registration with frame-buffer-v2 (heartbeats, unregistration), or null without ORCHESTRATOR_URL. */
export function bindRegistration(container: Container, config: Config, meta: { version: string; modelVersion: string }, logger: AppLogger): Registration | null {
  if (!config.ORCHESTRATOR_URL) return null;
  const orchestrator = new HttpOrchestrator(config.ORCHESTRATOR_URL);
  container.bind<Orchestrator>(TOKENS.Orchestrator).toConstantValue(orchestrator);
  container.bind(TOKENS.ProcessorLifecycle).toDynamicValue(
    (ctx) =>
      new ProcessorLifecycle(
        ctx.get(TOKENS.Orchestrator),
        {
          id: config.PROCESSOR_ID,
          capabilities: [...CAPABILITIES],
          capacity: config.CAPACITY,
          queue: `frames:ready:${config.PROCESSOR_ID}`,
          healthEndpoint: config.HEALTH_ENDPOINT ?? `http://${hostname()}:${config.HTTP_PORT}/health`,
          metadata: { version: meta.version, model_version: meta.modelVersion, max_batch: config.MAX_BATCH },
        },
        { heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_S * 1000, initialBackoffMs: 500, maxBackoffMs: 30_000 },
        logger,
      ),
  );
  return { lifecycle: container.get<ProcessorLifecycle>(TOKENS.ProcessorLifecycle), orchestrator };
}

/** One shutdown however many times it is asked for; `stopped` resolves when it is done. */
export function onceShutdown(logger: AppLogger, steps: () => Promise<unknown>): { stop(reason: string): Promise<void>; stopped: Promise<void> } {
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | null = null;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info('shutting down', { reason });
      const outcome = await steps();
      logger.info('stopped', { drained: outcome });
      resolveStopped();
    })();
    return stopping;
  };
  return { stop, stopped };
}

/** Embedded mode: stop when the input folder is processed (EXIT_WHEN_DONE) or the result file cannot be written. */
export function stopWhenEmbeddedInputEnds(transport: EmbeddedTransport, config: Config, logger: AppLogger, stop: (reason: string) => Promise<void>): void {
  const timer = setInterval(() => {
    if (!transport.queue.exhausted) return;
    clearInterval(timer);
    for (const { delivery, failure } of transport.queue.deadLetters) {
      logger.warn('frame dead-lettered', { frameId: delivery.fields.frame_id, reason: failure.reason, message: failure.message });
    }
    logger.info('embedded input processed', { deadLetters: transport.queue.deadLetters.length, serving: !config.EXIT_WHEN_DONE });
    if (config.EXIT_WHEN_DONE) void stop('input processed');
  }, 100);
  timer.unref();
  void transport.publisher.outputClosed.then((error) => {
    logger.warn('result output closed; stopping', { code: (error as NodeJS.ErrnoException).code, message: error.message });
    void stop('result output closed');
  });
}
