import 'reflect-metadata';
import { Container } from 'inversify';
import { TOKENS } from './application/tokens';
import { AnalyzeFaces, type AnalyzeFacesOptions } from './application/use-cases/analyze-faces';
import type { PipelineInstrumentation } from './application/ports/pipeline-instrumentation';
import { loadConfig, type Config } from './infrastructure/config/config';
import { SharpImageDecoder } from './infrastructure/imaging/sharp-image-decoder';
import { ArcFaceTemplateAligner } from './infrastructure/imaging/template-aligner';
import { createLogger } from './infrastructure/logging/logger';
import { loadModelSet, type LoadedModelSet } from './infrastructure/onnx/model-set';
import type { ModelRunObserver } from './infrastructure/onnx/onnx-session';

/** Tokens of infrastructure objects shared by several adapters. */
export const INFRA = {
  Config: Symbol.for('Config'),
  Logger: Symbol.for('Logger'),
  ModelSet: Symbol.for('ModelSet'),
} as const;

export interface ContainerOverrides {
  readonly instrumentation?: PipelineInstrumentation;
  readonly modelObservers?: readonly ModelRunObserver[];
}

export const analyzeFacesOptions = (config: Config): AnalyzeFacesOptions => ({
  quality: { minFaceSize: config.MIN_FACE_SIZE, minSharpness: config.MIN_SHARPNESS, maxYawDegrees: config.MAX_YAW_DEGREES },
  flipAugmentation: config.FLIP_TTA,
  matchThreshold: config.MATCH_THRESHOLD,
});

/**
 * The composition root: binds every port to its adapter. Models are loaded
 * before binding so that a bad model set fails here, at start-up.
 */
export async function createContainer(config: Config, overrides: ContainerOverrides = {}): Promise<Container> {
  const container = new Container({ defaultScope: 'Singleton' });
  const logger = createLogger(config.LOG_LEVEL);
  container.bind(INFRA.Config).toConstantValue(config);
  container.bind(INFRA.Logger).toConstantValue(logger);

  const modelSet = await loadModelSet(
    config.MODEL_DIR,
    { executionProvider: config.EXECUTION_PROVIDER, intraOpThreads: config.ORT_INTRA_OP_THREADS, interOpThreads: config.ORT_INTER_OP_THREADS },
    { scoreThreshold: config.DETECTION_THRESHOLD, nmsIouThreshold: config.NMS_IOU_THRESHOLD, maxFacesPerImage: config.MAX_FACES_PER_IMAGE },
    logger,
  );
  for (const observer of overrides.modelObservers ?? []) modelSet.models.forEach((m) => m.observe(observer));
  container.bind<LoadedModelSet>(INFRA.ModelSet).toConstantValue(modelSet);

  container.bind(TOKENS.ImageDecoder).toConstantValue(new SharpImageDecoder({ maxPixels: config.MAX_IMAGE_PIXELS, minSide: config.MIN_IMAGE_SIDE }));
  container.bind(TOKENS.FaceDetector).toConstantValue(modelSet.detector);
  container.bind(TOKENS.LandmarkLocator).toConstantValue(modelSet.landmarks);
  container.bind(TOKENS.FaceEmbedder).toConstantValue(modelSet.embedder);
  container.bind(TOKENS.FaceAligner).toConstantValue(new ArcFaceTemplateAligner());
  if (overrides.instrumentation) container.bind(TOKENS.PipelineInstrumentation).toConstantValue(overrides.instrumentation);
  container.bind(TOKENS.AnalyzeFacesOptions).toConstantValue(analyzeFacesOptions(config));
  container
    .bind(TOKENS.AnalyzeFaces)
    .toDynamicValue(
      (ctx) =>
        new AnalyzeFaces(
          {
            decoder: ctx.get(TOKENS.ImageDecoder),
            detector: ctx.get(TOKENS.FaceDetector),
            landmarks: ctx.get(TOKENS.LandmarkLocator),
            aligner: ctx.get(TOKENS.FaceAligner),
            embedder: ctx.get(TOKENS.FaceEmbedder),
            ...(container.isBound(TOKENS.IdentityGallery) ? { gallery: ctx.get(TOKENS.IdentityGallery) } : {}),
            ...(container.isBound(TOKENS.PipelineInstrumentation) ? { instrumentation: ctx.get(TOKENS.PipelineInstrumentation) } : {}),
          },
          ctx.get(TOKENS.AnalyzeFacesOptions),
        ),
    );
  return container;
}

export async function releaseContainer(container: Container): Promise<void> {
  const modelSet = container.get<LoadedModelSet>(INFRA.ModelSet);
  await Promise.all(modelSet.models.map((m) => m.release()));
}

async function main(): Promise<void> {
  const config = loadConfig();
  // The stream processor runtime is wired here (issue 3); until then the
  // composition root only proves the pipeline loads.
  const container = await createContainer(config);
  await releaseContainer(container);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
