import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FaceAligner } from '../../application/ports/face-aligner';
import type { FaceDetector } from '../../application/ports/face-detector';
import type { FaceEmbedder } from '../../application/ports/face-embedder';
import type { LandmarkLocator } from '../../application/ports/landmark-locator';
import { ArcFaceEmbedder } from './arcface-embedder';
import { Landmark68Locator } from './landmark68-locator';
import { ArcFaceTemplateAligner } from '../imaging/template-aligner';
import { channelsOf } from '../imaging/tensor-packing';
import type { ModelInput } from './model-input';
import { InferenceHost } from './inference-host';
import { OnnxModel, type InferenceSettings, type Logger } from './onnx-session';
import { RetinaFaceDetector } from './retinaface-detector';
import { UltraFaceDetector } from './ultraface-detector';
import type { DetectionSettings } from './view-detector';
import { planDetectorViews, viewInputSize } from '../../domain/detector-views';

export interface ModelSpec extends ModelInput {
  readonly file: string;
  readonly family: string;
}

export interface ModelManifest {
  readonly name: string;
  readonly version: string;
  readonly detector: ModelSpec;
  /** A landmark model, for detectors that give no alignment points. */
  readonly landmarks?: ModelSpec;
  readonly embedder: ModelSpec & {
    readonly embeddingSize?: number;
    /** The same embedder quantised to int8 (EMBEDDER_PRECISION=int8, adr/0011). */
    readonly int8File?: string;
  };
}

/** Which of the manifest's embedder files runs: the float original or its int8 form (adr/0011). */
export type EmbedderPrecision = 'f32' | 'int8';

export class ModelSetError extends Error {
  readonly code = 'model_set_error';
  constructor(message: string) {
    super(message);
    this.name = 'ModelSetError';
  }
}

export interface LoadedModelSet {
  readonly manifest: ModelManifest;
  readonly detector: FaceDetector;
  /** Present when the detector gives no landmarks of its own. */
  readonly landmarks?: LandmarkLocator;
  /** Crops faces onto the template the embedder was trained on; runs on the same worker pool. */
  readonly aligner: FaceAligner;
  readonly embedder: FaceEmbedder;
  readonly models: readonly OnnxModel[];
  /** Releases every session and stops the inference worker. */
  release(): Promise<void>;
  /** "name@version" (+ "+int8-embedder" with the int8 embedder), published with every result. */
  readonly version: string;
}

interface AdapterFamily<T> {
  readonly family: string;
  accepts(model: OnnxModel): boolean;
  create(model: OnnxModel, spec: ModelSpec): T;
}

/**
 * Like InsightFace's model_zoo: the adapter is chosen by looking at the model
 * file itself (its inputs and outputs), and the manifest's `family` must agree,
 * so a wrong file in MODEL_DIR fails loudly at start-up instead of producing
 * garbage faces.
 */
function pickFamily<F extends AdapterFamily<unknown>>(role: string, model: OnnxModel, spec: ModelSpec, families: readonly F[]): F {
  const matching = families.find((f) => f.accepts(model));
  if (!matching) {
    throw new ModelSetError(
      `${role} model ${spec.file} (inputs ${JSON.stringify(model.inputShape())}, outputs ${model.outputNames.join(', ')}) ` +
        `matches no supported family (${families.map((f) => f.family).join(', ')})`,
    );
  }
  if (matching.family !== spec.family) {
    throw new ModelSetError(`${role} model ${spec.file} looks like '${matching.family}' but the manifest says '${spec.family}'`);
  }
  return matching;
}

const pick = <T>(role: string, model: OnnxModel, spec: ModelSpec, families: readonly AdapterFamily<T>[]): T =>
  pickFamily(role, model, spec, families).create(model, spec);

/** A detector family, and whether it finds the alignment landmarks itself. */
interface DetectorFamily extends AdapterFamily<FaceDetector> {
  readonly givesLandmarks: boolean;
}

export async function readManifest(modelDir: string): Promise<ModelManifest> {
  const path = join(modelDir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ModelSetError(`no model manifest at ${path}; run 'npm run provision-models' or point MODEL_DIR at a model set`);
  }
  const manifest = JSON.parse(text) as ModelManifest;
  for (const role of ['detector', 'landmarks', 'embedder'] as const) {
    const spec = manifest[role];
    if (role === 'landmarks' && spec === undefined) continue;
    if (!spec || typeof spec.file !== 'string' || typeof spec.family !== 'string' || !(spec.width > 0) || !(spec.height > 0)) {
      throw new ModelSetError(`${path}: '${role}' needs file, family, width and height`);
    }
  }
  return manifest;
}

/** The embedder file of the requested precision; the set's version names the int8 form, since it gives other embeddings. */
function embedderChoice(manifest: ModelManifest, precision: EmbedderPrecision): { spec: ModelSpec; version: string } {
  const version = `${manifest.name}@${manifest.version}`;
  if (precision === 'f32') return { spec: manifest.embedder, version };
  if (!manifest.embedder.int8File) {
    throw new ModelSetError(`model set ${manifest.name} has no int8 embedder (embedder.int8File); set EMBEDDER_PRECISION=f32 or provision one`);
  }
  return { spec: { ...manifest.embedder, file: manifest.embedder.int8File }, version: `${version}+int8-embedder` };
}

export async function loadModelSet(
  modelDir: string,
  inference: InferenceSettings & { readonly workers: number; readonly embedderPrecision?: EmbedderPrecision },
  detection: DetectionSettings,
  logger: Logger,
): Promise<LoadedModelSet> {
  const manifest = await readManifest(modelDir);
  const embedder = embedderChoice(manifest, inference.embedderPrecision ?? 'f32');
  const host = new InferenceHost(inference.workers);
  const load = (role: string, spec: ModelSpec, probeDims: readonly number[]): Promise<OnnxModel> =>
    OnnxModel.load(role, join(modelDir, spec.file), inference, logger, host, probeDims).catch((error: unknown) => {
      throw new ModelSetError(`cannot load ${role} model ${spec.file}: ${error instanceof Error ? error.message : String(error)}`);
    });
  const oneItem = (spec: ModelSpec): number[] => [1, channelsOf(spec), spec.height, spec.width];
  // The detector is timed (ORT_GRAPH_OPTIMIZATION=auto) on the input a 16:9 camera frame gets at DETECTION_SIZE.
  const frameInput = viewInputSize(planDetectorViews(detection.maxSide, Math.round((detection.maxSide * 9) / 16), { ...detection, tiles: false })[0]!);
  let models: OnnxModel[];
  try {
    models = await Promise.all([
      load('detector', manifest.detector, [1, channelsOf(manifest.detector), frameInput.height, frameInput.width]),
      load('embedder', embedder.spec, oneItem(embedder.spec)),
      ...(manifest.landmarks ? [load('landmarks', manifest.landmarks, oneItem(manifest.landmarks))] : []),
    ]);
  } catch (error) {
    await host.terminate();
    throw error;
  }
  for (const model of models) {
    logger.info('model ready', {
      model: model.name,
      graphOptimization: model.graphOptimization,
      ...(model.levelTimings.length > 0
        ? { probeMsPerRun: Object.fromEntries(model.levelTimings.map((t) => [t.level, Number((t.seconds * 1000).toFixed(2))])) }
        : {}),
      loadSeconds: Number(model.loadSeconds.toFixed(3)),
    });
  }
  try {
    return assembleModelSet(manifest, models, host, detection, embedder);
  } catch (error) {
    // Worker threads keep the process alive: a model set that cannot be assembled must not leave them running.
    await host.terminate();
    throw error;
  }
}

/** Picks each model's adapter from the file itself and wires the set; throws ModelSetError when they do not fit. */
function assembleModelSet(
  manifest: ModelManifest,
  models: OnnxModel[],
  host: InferenceHost,
  detection: DetectionSettings,
  embedderFile: { readonly spec: ModelSpec; readonly version: string },
): LoadedModelSet {
  const [detectorModel, embedderModel, landmarkModel] = models as [OnnxModel, OnnxModel, OnnxModel | undefined];
  const detectorFamily = pickFamily<DetectorFamily>('detector', detectorModel, manifest.detector, [
    { family: UltraFaceDetector.family, givesLandmarks: false, accepts: UltraFaceDetector.accepts, create: (m, s) => new UltraFaceDetector(m, s, detection) },
    { family: RetinaFaceDetector.family, givesLandmarks: true, accepts: RetinaFaceDetector.accepts, create: (m, s) => new RetinaFaceDetector(m, s, detection) },
  ]);
  const detector = detectorFamily.create(detectorModel, manifest.detector);
  const landmarks =
    landmarkModel && manifest.landmarks
      ? pick<LandmarkLocator>('landmarks', landmarkModel, manifest.landmarks, [
          { family: Landmark68Locator.family, accepts: Landmark68Locator.accepts, create: (m, s) => new Landmark68Locator(m, s) },
        ])
      : undefined;
  if (!detectorFamily.givesLandmarks && !landmarks) {
    throw new ModelSetError(`${manifest.name}: the '${manifest.detector.family}' detector gives no landmarks, and the manifest names no landmark model`);
  }
  const embedder = pick<FaceEmbedder>('embedder', embedderModel, embedderFile.spec, [
    { family: ArcFaceEmbedder.family, accepts: ArcFaceEmbedder.accepts, create: (m, s) => new ArcFaceEmbedder(m, s) },
  ]);
  return {
    manifest,
    detector,
    ...(landmarks ? { landmarks } : {}),
    aligner: new ArcFaceTemplateAligner(host),
    embedder,
    models,
    release: async () => {
      await Promise.all(models.map((m) => m.release()));
      await host.terminate();
    },
    version: embedderFile.version,
  };
}
