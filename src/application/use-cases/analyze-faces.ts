import type { FaceDetection } from '../../domain/detection';
import { fuseEmbeddings, type Embedding } from '../../domain/embedding';
import type { AnalyzedFace } from '../../domain/face';
import { decideIdentity, type IdentityMatch } from '../../domain/identity';
import { lumaOf, mirrorImage, type RgbImage } from '../../domain/image';
import type { FivePointLandmarks } from '../../domain/landmarks';
import { arcFaceAlignment, similarityScale } from '../../domain/alignment';
import { assessQuality, faceSharpness, type QualityPolicy } from '../../domain/quality';
import { failure, success, type Outcome } from '../outcome';
import type { FaceAligner } from '../ports/face-aligner';
import type { FaceDetector } from '../ports/face-detector';
import type { FaceEmbedder } from '../ports/face-embedder';
import type { IdentityIndex } from '../ports/identity-index';
import type { ImageDecoder } from '../ports/image-decoder';
import type { LandmarkLocator } from '../ports/landmark-locator';
import { noInstrumentation, type PipelineInstrumentation } from '../ports/pipeline-instrumentation';

export interface AnalyzeFacesOptions {
  readonly quality: QualityPolicy;
  /** Embed the mirrored crop too and fuse both (test-time augmentation). */
  readonly flipAugmentation: boolean;
  /**
   * Score at or above which a face is taken for the best-scoring enrolled
   * person: a 1:N decision, stricter than the 1:1 threshold of a pair, since
   * a stranger gets as many chances as there are people enrolled.
   */
  readonly identifyThreshold: number;
}

export interface ImageAnalysis {
  readonly width: number;
  readonly height: number;
  readonly faces: readonly AnalyzedFace[];
}

export interface AnalyzeFacesPorts {
  readonly decoder: ImageDecoder;
  readonly detector: FaceDetector;
  /** Locates the alignment points of faces whose detector gave none. */
  readonly landmarks?: LandmarkLocator;
  readonly aligner: FaceAligner;
  readonly embedder: FaceEmbedder;
  /** The enrolled identities faces are matched against; without it (or while empty) faces carry no identity. */
  readonly index?: IdentityIndex;
  readonly instrumentation?: PipelineInstrumentation;
}

/** What one call computes. */
export interface AnalysisRequest {
  /**
   * Embed (and match) the faces that pass the quality gate. Default true.
   * False stops after the quality gate: detection answers need no embedding,
   * and the embedder is the stage that competes most with the stream.
   */
  readonly embed?: boolean;
}

interface LocatedFace {
  readonly imageIndex: number;
  readonly detection: FaceDetection;
}

/**
 * decode → detect → landmarks → align → quality gate → embed → match, over a
 * batch of images: each model stage runs once for the whole batch (detector
 * batch = images, landmark and embedder batch = every face of every image).
 */
export class AnalyzeFaces {
  private readonly instrumentation: PipelineInstrumentation;

  constructor(
    private readonly ports: AnalyzeFacesPorts,
    private readonly options: AnalyzeFacesOptions,
  ) {
    this.instrumentation = ports.instrumentation ?? noInstrumentation;
  }

  /**
   * `instrumentation` observes this call's stages instead of the one given at
   * construction: a batch of queued frames brings its own (FrameTelemetry.inBatch).
   */
  async execute(
    images: readonly Uint8Array[],
    instrumentation: PipelineInstrumentation = this.instrumentation,
    request: AnalysisRequest = {},
  ): Promise<Outcome<ImageAnalysis>[]> {
    const decoded = await instrumentation.measure('decode', images.length, () => this.ports.decoder.decode(images));
    const valid = decoded.flatMap((outcome, index) => (outcome.ok ? [{ index, image: outcome.value }] : []));
    let analyses: ImageAnalysis[];
    try {
      analyses = await this.analyzeDecoded(valid.map((v) => v.image), instrumentation, request);
    } finally {
      // The analyses keep no pixels: the frames decoded here are read by nobody after this.
      this.ports.decoder.recycle?.(valid.map((v) => v.image));
    }
    const byIndex = new Map(valid.map((v, i) => [v.index, analyses[i] as ImageAnalysis]));
    return decoded.map((outcome, index) => (outcome.ok ? success(byIndex.get(index) as ImageAnalysis) : failure(outcome.error)));
  }

  /** The same pipeline for images that are already decoded. */
  async analyzeDecoded(
    images: readonly RgbImage[],
    instrumentation: PipelineInstrumentation = this.instrumentation,
    request: AnalysisRequest = {},
  ): Promise<ImageAnalysis[]> {
    if (images.length === 0) return [];
    const measure: PipelineInstrumentation['measure'] = (stage, batchSize, work) => instrumentation.measure(stage, batchSize, work);
    const detections = await measure('detect', images.length, () => this.ports.detector.detect(images));
    const located: LocatedFace[] = detections.flatMap((faces, imageIndex) => faces.map((detection) => ({ imageIndex, detection })));

    const facesByImage: AnalyzedFace[][] = images.map(() => []);
    if (located.length > 0) {
      const image = (face: LocatedFace): RgbImage => images[face.imageIndex] as RgbImage;
      const landmarks = await this.landmarksOf(located, image, measure);
      const crops = await measure('align', located.length, () =>
        this.ports.aligner.align(located.map((f, i) => ({ image: image(f), landmarks: landmarks[i]! }))),
      );
      const qualities = located.map((f, i) => {
        const crop = crops[i] as RgbImage;
        const sharpness = faceSharpness(lumaOf(crop), crop.width, crop.height, similarityScale(arcFaceAlignment(landmarks[i]!)));
        return assessQuality(f.detection.box, landmarks[i]!, sharpness, this.options.quality);
      });
      // Without embedding, the embed and match stages do not run at all (no empty stage in timings or traces).
      const embeds = request.embed !== false;
      const accepted = embeds ? qualities.flatMap((q, i) => (q.passed ? [i] : [])) : [];
      const embeddings = embeds ? await measure('embed', accepted.length, () => this.embed(accepted.map((i) => crops[i] as RgbImage))) : [];
      const embeddingOf = new Map(accepted.map((faceIndex, k) => [faceIndex, embeddings[k] as Embedding]));

      const assemble = (): void => {
        const identities = this.match(embeddings);
        const identityOf = new Map(accepted.map((faceIndex, k) => [faceIndex, identities?.[k]]));
        located.forEach((f, i) => {
          const embedding = embeddingOf.get(i);
          const identity = identityOf.get(i);
          facesByImage[f.imageIndex]!.push({
            box: f.detection.box,
            score: f.detection.score,
            landmarks: landmarks[i]!,
            quality: qualities[i]!,
            ...(embedding !== undefined ? { embedding } : {}),
            ...(identity !== undefined ? { identity } : {}),
          });
        });
      };
      if (embeds) await measure('match', accepted.length, assemble);
      else assemble();
    }

    return images.map((image, imageIndex) => ({ width: image.width, height: image.height, faces: facesByImage[imageIndex]! }));
  }

  /** Every embedded face of the batch against the index in one search; null when nobody is enrolled. */
  private match(embeddings: readonly Embedding[]): IdentityMatch[] | null {
    const index = this.ports.index;
    if (index === undefined || index.size.identities === 0 || embeddings.length === 0) return null;
    return index.searchMany(embeddings, 1).map((candidates) => decideIdentity(candidates, this.options.identifyThreshold));
  }

  /**
   * The five alignment points of every face: the detector's own where it gave
   * them, otherwise from the landmark model (one batched call for those faces).
   */
  private async landmarksOf(
    located: readonly LocatedFace[],
    image: (face: LocatedFace) => RgbImage,
    measure: PipelineInstrumentation['measure'],
  ): Promise<FivePointLandmarks[]> {
    const missing = located.flatMap((face, i) => (face.detection.landmarks ? [] : [i]));
    if (missing.length === 0) return located.map((face) => face.detection.landmarks as FivePointLandmarks);
    const locator = this.ports.landmarks;
    if (!locator) throw new Error('the detector gave no landmarks and no landmark model is configured');
    const found = await measure('landmarks', missing.length, () =>
      locator.locate(missing.map((i) => ({ image: image(located[i]!), box: located[i]!.detection.box }))),
    );
    const byFace = new Map(missing.map((faceIndex, k) => [faceIndex, found[k]!]));
    return located.map((face, i) => face.detection.landmarks ?? (byFace.get(i) as FivePointLandmarks));
  }

  private async embed(crops: readonly RgbImage[]): Promise<Embedding[]> {
    if (crops.length === 0) return [];
    if (!this.options.flipAugmentation) return this.ports.embedder.embed(crops);
    const both = await this.ports.embedder.embed([...crops, ...crops.map(mirrorImage)]);
    return crops.map((_, i) => fuseEmbeddings([both[i] as Embedding, both[i + crops.length] as Embedding]));
  }
}
