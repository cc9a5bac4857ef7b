import { l2Normalise, type Embedding } from '../../domain/embedding';
import type { RgbImage } from '../../domain/image';
import type { FaceEmbedder } from '../../application/ports/face-embedder';
import type { ModelInput } from './model-input';
import type { OnnxModel } from './onnx-session';

/**
 * Faces per session.run at most. ONNX Runtime's CPU arena keeps the largest
 * allocation a session ever needed: one call over every face of a crowded
 * batch (8 frames × dozens of faces) pinned GBs for good (+7 MB per face of
 * the call), while the time per face does not improve beyond a handful
 * (2026-12-02, one thread: 13.1 ms per face alone, 12.8 ms in fours, 16.0 ms
 * in sixteens, 17.0 ms in 64s; adr/0010). Chunks also let idle workers share
 * a large batch.
 */
export const MAX_FACES_PER_CALL = 4;

/** ArcFace-style recogniser: aligned 112×112 crop in, one identity vector out. */
export class ArcFaceEmbedder implements FaceEmbedder {
  static readonly family = 'arcface';

  static accepts(model: OnnxModel): boolean {
    const input = model.inputShape();
    return input.length === 4 && input[2] === input[3] && model.outputShape().length === 2;
  }

  constructor(
    private readonly model: OnnxModel,
    private readonly input: ModelInput,
  ) {}

  /**
   * The faces are split over the idle workers (InferenceHost.runCalls), and
   * each worker embeds its share in calls of MAX_FACES_PER_CALL, one after
   * another: the model time reported is then that of the slowest worker,
   * where chunks sent one by one each reported their own and, running side
   * by side, summed to more than the wall time.
   */
  async embed(alignedFaces: readonly RgbImage[]): Promise<Embedding[]> {
    if (alignedFaces.length === 0) return [];
    const perFace = await this.model.runPerItem(alignedFaces.map((image) => ({ image })), this.input, MAX_FACES_PER_CALL);
    return perFace.map((values) => l2Normalise(values));
  }
}
