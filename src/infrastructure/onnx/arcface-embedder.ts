import { l2Normalise, type Embedding } from '../../domain/embedding';
import type { RgbImage } from '../../domain/image';
import type { FaceEmbedder } from '../../application/ports/face-embedder';
import type { ModelInput } from './model-input';
import { tensorData, type OnnxModel } from './onnx-session';

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

  async embed(alignedFaces: readonly RgbImage[]): Promise<Embedding[]> {
    if (alignedFaces.length === 0) return [];
    const output = await this.model.runImages(
      alignedFaces.map((image) => ({ image })),
      this.input,
    );
    const values = tensorData(output, this.model.outputNames[0]);
    const size = values.length / alignedFaces.length;
    return alignedFaces.map((_, index) => l2Normalise(values.subarray(index * size, (index + 1) * size)));
  }
}
