import { nonMaximumSuppression, type FaceDetection } from '../../domain/detection';
import { clipBox } from '../../domain/geometry';
import type { RgbImage } from '../../domain/image';
import type { FaceDetector } from '../../application/ports/face-detector';
import type { ModelInput } from './model-input';
import { tensorData, type OnnxModel } from './onnx-session';

export interface DetectionSettings {
  /** Minimum face probability. */
  readonly scoreThreshold: number;
  /** Overlap above which the weaker of two boxes is dropped. */
  readonly nmsIouThreshold: number;
  readonly maxFacesPerImage: number;
}

/**
 * UltraFace (RFB-320 family): the whole frame is stretched to the model's
 * input; the graph decodes its anchors itself and returns per-anchor face
 * probabilities (`scores` [N, A, 2], column 1 = face) and corner boxes
 * normalised to 0–1 (`boxes` [N, A, 4]).
 */
export class UltraFaceDetector implements FaceDetector {
  static readonly family = 'ultraface';

  /** Does this model file look like UltraFace? Used to pick the adapter from the file itself. */
  static accepts(model: OnnxModel): boolean {
    const names = model.outputNames;
    return names.includes('scores') && names.includes('boxes') && model.inputShape().length === 4;
  }

  constructor(
    private readonly model: OnnxModel,
    private readonly input: ModelInput,
    private readonly settings: DetectionSettings,
  ) {}

  async detect(images: readonly RgbImage[]): Promise<FaceDetection[][]> {
    if (images.length === 0) return [];
    const outputs = await this.model.runImages(
      images.map((image) => ({ image })),
      this.input,
    );
    const scores = tensorData(outputs, 'scores');
    const boxes = tensorData(outputs, 'boxes');
    const anchors = scores.length / 2 / images.length;
    return images.map((image, index) => this.decode(scores, boxes, index * anchors, anchors, image));
  }

  private decode(scores: Float32Array, boxes: Float32Array, first: number, anchors: number, image: RgbImage): FaceDetection[] {
    const candidates: FaceDetection[] = [];
    for (let a = first; a < first + anchors; a += 1) {
      const score = scores[a * 2 + 1] as number;
      if (score < this.settings.scoreThreshold) continue;
      const box = clipBox(
        {
          x1: (boxes[a * 4] as number) * image.width,
          y1: (boxes[a * 4 + 1] as number) * image.height,
          x2: (boxes[a * 4 + 2] as number) * image.width,
          y2: (boxes[a * 4 + 3] as number) * image.height,
        },
        image.width,
        image.height,
      );
      if (box.x2 - box.x1 >= 1 && box.y2 - box.y1 >= 1) candidates.push({ box, score });
    }
    return nonMaximumSuppression(candidates, this.settings.nmsIouThreshold, this.settings.maxFacesPerImage);
  }
}
