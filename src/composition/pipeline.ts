import { availableParallelism } from 'node:os';
import { Container } from 'inversify';
import type { IdentityIndex } from '../application/ports/identity-index';
import type { PipelineInstrumentation } from '../application/ports/pipeline-instrumentation';
import { TOKENS } from '../application/tokens';
import { AnalyzeFaces, type AnalyzeFacesOptions } from '../application/use-cases/analyze-faces';
import { EnrollIdentities, type EnrollmentReport } from '../application/use-cases/enroll-identities';
import type { Config } from '../infrastructure/config/config';
import { readGalleryFolder } from '../infrastructure/gallery/folder-gallery';
import { SharpImageDecoder } from '../infrastructure/imaging/sharp-image-decoder';
import { createLogger, type AppLogger } from '../infrastructure/logging/logger';
import { loadModelSet, type LoadedModelSet } from '../infrastructure/onnx/model-set';
import type { ModelRunObserver } from '../infrastructure/onnx/onnx-session';
import type { DetectionSettings } from '../infrastructure/onnx/view-detector';
import { INFRA } from '../infrastructure/tokens';
import { createIdentityIndex } from './search';

/**
 * The face pipeline's wiring: models, decoder, AnalyzeFaces and the gallery
 * it matches against. The service and the CLI share it.
 */

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
      embedderPrecision: config.EMBEDDER_PRECISION,
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
  container.bind(TOKENS.IdentityIndex).toConstantValue(createIdentityIndex(config));
  container.bind(TOKENS.AnalyzeFacesOptions).toConstantValue(analyzeFacesOptions(config));
  container.bind(TOKENS.AnalyzeFaces).toDynamicValue(() => buildAnalyzeFaces(container));
  return container;
}

/** AnalyzeFaces over whatever is bound now: the landmark model and instrumentation are optional. */
function buildAnalyzeFaces(container: Container): AnalyzeFaces {
  return new AnalyzeFaces(
    {
      decoder: container.get(TOKENS.ImageDecoder),
      detector: container.get(TOKENS.FaceDetector),
      ...(container.isBound(TOKENS.LandmarkLocator) ? { landmarks: container.get(TOKENS.LandmarkLocator) } : {}),
      aligner: container.get(TOKENS.FaceAligner),
      embedder: container.get(TOKENS.FaceEmbedder),
      index: container.get(TOKENS.IdentityIndex),
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
 * Enrols the photos of `galleryDir` (one folder per person) and upserts each
 * person's template into the identity index the pipeline matches against.
 */
export async function bindGallery(container: Container, galleryDir: string): Promise<EnrollmentReport> {
  const enrollment = new EnrollIdentities(container.get<AnalyzeFaces>(TOKENS.AnalyzeFaces));
  const report = await enrollment.execute(await readGalleryFolder(galleryDir));
  const index = container.get<IdentityIndex>(TOKENS.IdentityIndex);
  for (const identity of report.identities) {
    if (identity.template !== null) index.upsert({ id: identity.id, name: identity.name, template: identity.template, embeddings: identity.embeddings.length });
  }
  return report;
}

/** The load times of the models, as a gauge and one log line. */
export function reportModelsLoaded(modelSet: LoadedModelSet, metrics: { modelLoaded(name: string, seconds: number): void }, logger: AppLogger): void {
  for (const model of modelSet.models) metrics.modelLoaded(model.name, model.loadSeconds);
  logger.info('models loaded', {
    modelSet: modelSet.version,
    provider: modelSet.models[0]?.provider,
    seconds: Number(modelSet.models.reduce((s, m) => Math.max(s, m.loadSeconds), 0).toFixed(3)),
  });
}
