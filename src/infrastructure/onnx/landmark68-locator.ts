import type { BoundingBox, Point } from '../../domain/geometry';
import { fivePointsFromSixtyEight, type FivePointLandmarks } from '../../domain/landmarks';
import type { FaceRegion, LandmarkLocator } from '../../application/ports/landmark-locator';
import type { ModelInput } from './model-input';
import type { OnnxModel } from './onnx-session';

/**
 * Crops per session.run at most: like the embedder's calls (adr/0010), a
 * bound on what ONNX Runtime's arena keeps after a crowded batch, and chunks
 * that the idle workers share.
 */
export const MAX_CROPS_PER_CALL = 16;

/**
 * 68-point landmark regressor: the face box is cropped and resized to the
 * model's input (in the inference workers), and the model returns 136
 * values, (x, y) pairs normalised to the crop.
 */
export class Landmark68Locator implements LandmarkLocator {
  static readonly family = 'landmark68';

  static accepts(model: OnnxModel): boolean {
    return model.outputShape().at(-1) === 136;
  }

  constructor(
    private readonly model: OnnxModel,
    private readonly input: ModelInput,
  ) {}

  async locate(faces: readonly FaceRegion[]): Promise<FivePointLandmarks[]> {
    if (faces.length === 0) return [];
    const crops = faces.map((face) => cropInside(face.box, face.image.width, face.image.height));
    const sources = faces.map((face, index) => {
      const crop = crops[index] as BoundingBox;
      return { image: face.image, region: { x: crop.x1, y: crop.y1, width: crop.x2 - crop.x1, height: crop.y2 - crop.y1 } };
    });
    const perCrop = await this.model.runPerItem(sources, this.input, MAX_CROPS_PER_CALL);
    return crops.map((crop, index) => {
      const values = perCrop[index] as Float32Array;
      const w = crop.x2 - crop.x1;
      const h = crop.y2 - crop.y1;
      const points: Point[] = [];
      for (let k = 0; k < values.length; k += 2) points.push({ x: crop.x1 + (values[k] as number) * w, y: crop.y1 + (values[k + 1] as number) * h });
      return fivePointsFromSixtyEight(points);
    });
  }
}

/**
 * The box, shifted (not shrunk) to lie inside the image, as the model was
 * trained: a face at the frame edge keeps its proportions.
 */
export function cropInside(box: BoundingBox, imageWidth: number, imageHeight: number): BoundingBox {
  const w = Math.min(Math.max(1, box.x2 - box.x1), imageWidth);
  const h = Math.min(Math.max(1, box.y2 - box.y1), imageHeight);
  const x1 = Math.min(Math.max(box.x1, 0), imageWidth - w);
  const y1 = Math.min(Math.max(box.y1, 0), imageHeight - h);
  return { x1, y1, x2: x1 + w, y2: y1 + h };
}
