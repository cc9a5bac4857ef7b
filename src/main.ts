import 'reflect-metadata';
import { availableParallelism, hostname } from 'node:os';
import { Container } from 'inversify';
import type { PipelineInstrumentation } from './application/ports/pipeline-instrumentation';
import type { FrameTelemetry, ProcessorMetrics } from './application/ports/frame-telemetry';
import type { Orchestrator } from './application/ports/orchestrator';
import { FrameConsumer } from './application/services/frame-consumer';
import { ProcessorLifecycle } from './application/services/processor-lifecycle';
import { TOKENS } from './application/tokens';
import { AnalyzeFaces, type AnalyzeFacesOptions } from './application/use-cases/analyze-faces';
import { EnrollIdentities, type EnrollmentReport } from './application/use-cases/enroll-identities';
import { ProcessFrames } from './application/use-cases/process-frames';
import { createHttpServer } from './composition/http';
import { loadConfig, SERVICE_VERSION, type Config } from './infrastructure/config/config';
import { INFRA } from './infrastructure/tokens';
import { ConfigError } from './infrastructure/config/env-schema';
import { InMemoryIdentityGallery, readGalleryFolder } from './infrastructure/gallery/folder-gallery';
import { HttpOrchestrator } from './infrastructure/http/orchestrator/http-orchestrator';
import { SharpImageDecoder } from './infrastructure/imaging/sharp-image-decoder';
import { createLogger, type AppLogger } from './infrastructure/logging/logger';
import { loadModelSet, type LoadedModelSet } from './infrastructure/onnx/model-set';
import type { ModelRunObserver } from './infrastructure/onnx/onnx-session';
import type { DetectionSettings } from './infrastructure/onnx/view-detector';
import { createEmbeddedTransport, type EmbeddedTransport } from './infrastructure/runtime/embedded-transport';
import type { FrameTransport } from './infrastructure/runtime/redis-transport';
import { OtelFrameTelemetry } from './infrastructure/telemetry/otel-frame-telemetry';
import { PrometheusMetrics } from './infrastructure/telemetry/prometheus-metrics';
import { setupTracing, tracingOptionsFromConfig, type Tracing } from './infrastructure/telemetry/tracing';

export { INFRA, SERVICE_VERSION };

export const CAPABILITIES = ['face_detection', 'face_recognition'] as const;

export interface ContainerOverrides {
  readonly instrumentation?: PipelineInstrumentation;
  readonly modelObservers?: readonly ModelRunObserver[];
  readonly logger?: AppLogger;
}

export const analyzeFacesOptions = (config: Config): AnalyzeFacesOptions => ({
  quality: { minFaceSize: config.MIN_FACE_SIZE, minSharpness: config.MIN_SHARPNESS, maxYawDegrees: config.MAX_YAW_DEGREES },
  flipAugmentation: config.FLIP_TTA,
  identifyThreshold: config.IDENTIFY_THRESHOLD,
});

/** DETECTION_SIZE 0 means: what the execution provider affords (adr/0009). */
export const detectionSize = (config: Config): number => (config.DETECTION_SIZE > 0 ? config.DETECTION_SIZE : config.EXECUTION_PROVIDER === 'cuda' ? 1920 : 1280);

export const detectionSettings = (config: Config): DetectionSettings => ({
  scoreThreshold: config.DETECTION_THRESHOLD,
  nmsIouThreshold: config.NMS_IOU_THRESHOLD,
  maxFacesPerImage: config.MAX_FACES_PER_IMAGE,
  maxSide: detectionSize(config),
  tiles: config.DETECTION_TILES,
  tileOverlap: config.DETECTION_TILE_OVERLAP,
});

/** On CPU one single-threaded worker per core; a GPU is fed best by one worker with large batches. */
export const inferenceWorkers = (config: Config): number =>
  config.INFERENCE_WORKERS > 0 ? config.INFERENCE_WORKERS : config.EXECUTION_PROVIDER === 'cuda' ? 1 : availableParallelism();

/**
 * The composition root of the face pipeline: binds every pipeline port to
 * its adapter. Models load before binding, so a bad model set fails here, at
 * start-up. The CLI and the service share it.
 */
export async function createContainer(config: Config, overrides: ContainerOverrides = {}): Promise<Container> {
  const container = new Container({ defaultScope: 'Singleton' });
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  container.bind(INFRA.Config).toConstantValue(config);
  container.bind(INFRA.Logger).toConstantValue(logger);

  const modelSet = await loadModelSet(
    config.MODEL_DIR,
    {
      executionProvider: config.EXECUTION_PROVIDER,
      intraOpThreads: config.ORT_INTRA_OP_THREADS,
      interOpThreads: config.ORT_INTER_OP_THREADS,
      graphOptimization: config.ORT_GRAPH_OPTIMIZATION,
      workers: inferenceWorkers(config),
    },
    detectionSettings(config),
    logger,
  );
  for (const observer of overrides.modelObservers ?? []) modelSet.models.forEach((m) => m.observe(observer));
  container.bind<LoadedModelSet>(INFRA.ModelSet).toConstantValue(modelSet);

  container.bind(TOKENS.ImageDecoder).toConstantValue(new SharpImageDecoder({ maxPixels: config.MAX_IMAGE_PIXELS, minSide: config.MIN_IMAGE_SIDE }));
  container.bind(TOKENS.FaceDetector).toConstantValue(modelSet.detector);
  if (modelSet.landmarks) container.bind(TOKENS.LandmarkLocator).toConstantValue(modelSet.landmarks);
  container.bind(TOKENS.FaceEmbedder).toConstantValue(modelSet.embedder);
  container.bind(TOKENS.FaceAligner).toConstantValue(modelSet.aligner);
  if (overrides.instrumentation) container.bind(TOKENS.PipelineInstrumentation).toConstantValue(overrides.instrumentation);
  container.bind(TOKENS.AnalyzeFacesOptions).toConstantValue(analyzeFacesOptions(config));
  container.bind(TOKENS.AnalyzeFaces).toDynamicValue(() => buildAnalyzeFaces(container));
  return container;
}

/** AnalyzeFaces over whatever is bound now: the gallery and instrumentation are optional. */
function buildAnalyzeFaces(container: Container): AnalyzeFaces {
  return new AnalyzeFaces(
    {
      decoder: container.get(TOKENS.ImageDecoder),
      detector: container.get(TOKENS.FaceDetector),
      ...(container.isBound(TOKENS.LandmarkLocator) ? { landmarks: container.get(TOKENS.LandmarkLocator) } : {}),
      aligner: container.get(TOKENS.FaceAligner),
      embedder: container.get(TOKENS.FaceEmbedder),
      ...(container.isBound(TOKENS.IdentityGallery) ? { gallery: container.get(TOKENS.IdentityGallery) } : {}),
      ...(container.isBound(TOKENS.PipelineInstrumentation) ? { instrumentation: container.get(TOKENS.PipelineInstrumentation) } : {}),
    },
    container.get(TOKENS.AnalyzeFacesOptions),
  );
}

export async function releaseContainer(container: Container): Promise<void> {
  const modelSet = container.get<LoadedModelSet>(INFRA.ModelSet);
  await modelSet.release();
}

/**
 * Enrols the photos of `galleryDir` (one folder per person) through a
 * gallery-less pipeline, then binds the gallery for matching.
 */
export async function bindGallery(container: Container, galleryDir: string): Promise<EnrollmentReport> {
  const enrollment = new EnrollIdentities(container.get<AnalyzeFaces>(TOKENS.AnalyzeFaces));
  const report = await enrollment.execute(await readGalleryFolder(galleryDir));
  container.bind(TOKENS.IdentityGallery).toConstantValue(new InMemoryIdentityGallery(report.identities));
  // AnalyzeFaces was resolved without a gallery for enrolment: resolve it afresh with one.
  container.rebindSync(TOKENS.AnalyzeFaces).toDynamicValue(() => buildAnalyzeFaces(container));
  return report;
}

async function bindConfiguredGallery(container: Container, config: Config, logger: AppLogger): Promise<void> {
  if (!config.GALLERY_DIR) return;
  const report = await bindGallery(container, config.GALLERY_DIR);
  for (const rejected of report.rejected) logger.warn('gallery photo not enrolled', rejected);
  logger.info('gallery enrolled', { identities: report.identities.length, rejectedPhotos: report.rejected.length });
}

export interface RunningService {
  readonly container: Container;
  readonly httpPort: number;
  /** Resolves when the service has stopped (signal, EXIT_WHEN_DONE, or stop()). */
  readonly stopped: Promise<void>;
  stop(reason: string): Promise<void>;
}

/**
 * Starts the processor: validate config (done by the caller), set up tracing,
 * load models, connect the transport (Redis, or the embedded folder), create
 * the consumer group, serve /health and /metrics, register with the
 * orchestrator in the background, and consume.
 */
export async function startService(config: Config): Promise<RunningService> {
  const logger = createLogger(config.LOG_LEVEL);
  // Before anything requires ioredis, so that its instrumentation can patch it.
  const tracing: Tracing = setupTracing(tracingOptionsFromConfig(config, SERVICE_VERSION));
  const queueName = config.REDIS_URL ? `frames:ready:${config.PROCESSOR_ID}` : 'embedded';
  const metrics = new PrometheusMetrics({ gpu: 'auto' });
  const telemetry = new OtelFrameTelemetry({
    tracer: tracing.enabled ? tracing.tracer : null,
    processorId: config.PROCESSOR_ID,
    queue: queueName,
    consumerGroup: config.CONSUMER_GROUP,
    metrics,
  });

  const container = await createContainer(config, { instrumentation: telemetry, logger });
  const modelSet = container.get<LoadedModelSet>(INFRA.ModelSet);
  for (const model of modelSet.models) metrics.modelLoaded(model.name, model.loadSeconds);
  logger.info('models loaded', {
    modelSet: modelSet.version,
    provider: modelSet.models[0]?.provider,
    seconds: Number(modelSet.models.reduce((s, m) => Math.max(s, m.loadSeconds), 0).toFixed(3)),
  });
  await bindConfiguredGallery(container, config, logger);

  const transport: FrameTransport = config.REDIS_URL
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after tracing on purpose (see above)
      (require('./infrastructure/runtime/redis-transport') as typeof import('./infrastructure/runtime/redis-transport')).createRedisTransport(
        config,
        config.REDIS_URL,
        logger,
      )
    : await createEmbeddedTransport(config);
  metrics.setPendingCount(() => transport.queue.pendingCount());

  container.bind(INFRA.Transport).toConstantValue(transport);
  container.bind(TOKENS.FrameQueue).toConstantValue(transport.queue);
  container.bind(TOKENS.ResultPublisher).toConstantValue(transport.publisher);
  container.bind(TOKENS.FrameImageStore).toConstantValue(transport.images);
  container.bind<FrameTelemetry>(TOKENS.FrameTelemetry).toConstantValue(telemetry);
  container.bind<ProcessorMetrics>(TOKENS.ProcessorMetrics).toConstantValue(metrics);
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
        { processorId: config.PROCESSOR_ID, modelVersion: modelSet.version, maxAttempts: config.MAX_ATTEMPTS, publishEmbeddings: config.PUBLISH_EMBEDDINGS },
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
  const orchestrator = config.ORCHESTRATOR_URL ? new HttpOrchestrator(config.ORCHESTRATOR_URL) : null;
  if (orchestrator) {
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
            metadata: { version: SERVICE_VERSION, model_version: modelSet.version, max_batch: config.MAX_BATCH },
          },
          { heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_S * 1000, initialBackoffMs: 500, maxBackoffMs: 30_000 },
          logger,
        ),
    );
  }

  const consumer = container.get<FrameConsumer>(TOKENS.FrameConsumer);
  const lifecycle = container.isBound(TOKENS.ProcessorLifecycle) ? container.get<ProcessorLifecycle>(TOKENS.ProcessorLifecycle) : null;
  const http = createHttpServer({
    config,
    container,
    logger,
    metrics,
    tracing,
    instrumentation: telemetry,
    ...(transport.ping ? { redisPing: transport.ping } : {}),
    status: {
      status: () => {
        const consuming = consumer.status();
        return {
          processorId: config.PROCESSOR_ID,
          version: SERVICE_VERSION,
          orchestratorConfigured: lifecycle !== null,
          registered: lifecycle?.status().registered ?? false,
          consuming: consuming.consuming,
          modelsLoaded: true,
          models: Object.fromEntries(modelSet.models.map((m) => [m.name, `${modelSet.manifest[m.name as 'detector'].file}`])),
          capacity: config.CAPACITY,
          inflight: consuming.inflight,
          framesProcessed: consuming.framesProcessed,
          errorsTotal: consuming.errorsTotal,
        };
      },
    },
  });
  const address = await http.start();
  logger.info('http server listening', { host: address.host, port: address.port, paths: ['/health', '/ready', '/metrics', '/v1'] });

  await consumer.start();
  lifecycle?.start();
  logger.info('consuming frames', { queue: transport.queue.stream, mode: config.REDIS_URL ? 'redis' : 'embedded', capacity: config.CAPACITY, maxBatch: config.MAX_BATCH });

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | null = null;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info('shutting down', { reason });
      // Order of the contract: stop reading, finish in-flight frames, publish + ack, unregister, close.
      const drained = await consumer.stop(config.SHUTDOWN_TIMEOUT_S * 1000);
      await lifecycle?.stop();
      await orchestrator?.close();
      await http.stop();
      await transport.close();
      await tracing.shutdown();
      await releaseContainer(container);
      logger.info('stopped', { drained });
      resolveStopped();
    })();
    return stopping;
  };

  if (!config.REDIS_URL) {
    const embedded = transport as EmbeddedTransport;
    watchEmbeddedCompletion(embedded, config, logger, stop);
    void embedded.publisher.outputClosed.then((error) => {
      logger.warn('result output closed; stopping', { code: (error as NodeJS.ErrnoException).code, message: error.message });
      void stop('result output closed');
    });
  }
  return { container, httpPort: address.port, stopped, stop };
}

function watchEmbeddedCompletion(transport: EmbeddedTransport, config: Config, logger: AppLogger, stop: (reason: string) => Promise<void>): void {
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
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      const message = error instanceof ConfigError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(`face-recognition failed to start: ${message}\n`);
      process.exit(1);
    },
  );
}
