import type { FaceDetection } from '../../domain/detection';
import type { FivePointLandmarks } from '../../domain/landmarks';
import { tensorData, type OnnxModel } from './onnx-session';
import { ViewDetector, type BatchItem, type DetectionSettings } from './view-detector';
import type { ModelInput } from './model-input';

/**
 * RetinaFace's anchors (InsightFace, base size 16, ratio 1): per stride, the
 * anchor sizes of each cell, in the order of the output channels.
 */
const STRIDES: ReadonlyArray<readonly [stride: number, sizes: readonly number[]]> = [
  [32, [512, 256]],
  [16, [128, 64]],
  [8, [32, 16]],
];
/** InsightFace's landmark_std: landmark offsets are in units of 0.2 × the anchor size. */
const LANDMARK_STD = 0.2;

const output = (kind: 'cls_prob_reshape' | 'bbox_pred' | 'landmark_pred', stride: number): string => `face_rpn_${kind}_stride${stride}`;

/**
 * RetinaFace-MobileNet0.25 (InsightFace's model as shipped by the npm package
 * retinaface@0.0.6), made size-agnostic at provisioning. For each stride it
 * returns face probabilities ([N, 2A, h, w]: A background channels, then A
 * face channels), box deltas ([N, 4A, h, w]) and five landmarks ([N, 10A, h, w]),
 * decoded here; its five points make the 68-point landmark stage unnecessary.
 */
export class RetinaFaceDetector extends ViewDetector {
  static readonly family = 'retinaface';

  static accepts(model: OnnxModel): boolean {
    const names = model.outputNames;
    return STRIDES.every(([stride]) => (['cls_prob_reshape', 'bbox_pred', 'landmark_pred'] as const).every((kind) => names.includes(output(kind, stride))));
  }

  constructor(model: OnnxModel, input: ModelInput, settings: DetectionSettings) {
    // Trained at 640×640 with anchors up to 512 px: one view, whatever the face size.
    super(model, input, settings, { pyramidRatio: 1, pyramidMinSide: 0 });
  }

  protected decode({ outputs, index }: BatchItem, threshold: number): FaceDetection[] {
    const faces: FaceDetection[] = [];
    for (const [stride, sizes] of STRIDES) {
      const scores = outputs[output('cls_prob_reshape', stride)];
      if (!scores) throw new Error(`RetinaFace output ${output('cls_prob_reshape', stride)} is missing`);
      const [, , rows = 0, columns = 0] = scores.dims;
      const deltas = tensorData(outputs, output('bbox_pred', stride));
      const points = tensorData(outputs, output('landmark_pred', stride));
      const plane = rows * columns;
      const anchors = sizes.length;
      const scoreBase = index * 2 * anchors * plane;
      const deltaBase = index * 4 * anchors * plane;
      const pointBase = index * 10 * anchors * plane;
      sizes.forEach((size, q) => {
        const faceChannel = scoreBase + (anchors + q) * plane;
        for (let row = 0; row < rows; row += 1) {
          for (let column = 0; column < columns; column += 1) {
            const cell = row * columns + column;
            const score = scores.data[faceChannel + cell] as number;
            if (score < threshold) continue;
            const cx = column * stride + (16 - 1) / 2;
            const cy = row * stride + (16 - 1) / 2;
            const d = deltaBase + q * 4 * plane + cell;
            const centreX = cx + size * (deltas[d] as number);
            const centreY = cy + size * (deltas[d + plane] as number);
            const w = size * Math.exp(deltas[d + 2 * plane] as number);
            const h = size * Math.exp(deltas[d + 3 * plane] as number);
            const l = pointBase + q * 10 * plane + cell;
            const landmarks = [0, 1, 2, 3, 4].map((k) => ({
              x: cx + LANDMARK_STD * size * (points[l + 2 * k * plane] as number),
              y: cy + LANDMARK_STD * size * (points[l + (2 * k + 1) * plane] as number),
            })) as unknown as FivePointLandmarks;
            faces.push({ box: { x1: centreX - (w - 1) / 2, y1: centreY - (h - 1) / 2, x2: centreX + (w - 1) / 2, y2: centreY + (h - 1) / 2 }, score, landmarks });
          }
        }
      });
    }
    return faces;
  }
}
