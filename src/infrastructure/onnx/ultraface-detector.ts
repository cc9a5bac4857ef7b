import type { FaceDetection } from '../../domain/detection';
import type { DetectorReach } from '../../domain/detector-views';
import { tensorData, type OnnxModel } from './onnx-session';
import { ViewDetector, type BatchItem, type DetectionSettings } from './view-detector';
import type { ModelInput } from './model-input';

/**
 * The priors (anchor boxes) of UltraFace RFB-320, as its training code
 * generates them: for each feature stride, a grid of ceil(size / stride)
 * cells, row by row, each with these box sizes in input pixels.
 */
const PRIOR_LEVELS: ReadonlyArray<readonly [stride: number, sizes: readonly number[]]> = [
  [8, [10, 16, 24]],
  [16, [32, 48]],
  [32, [64, 96]],
  [64, [128, 192, 256]],
];
/** SSD box-coding variances of the model's training (centre, size). */
const CENTRE_VARIANCE = 0.1;
const SIZE_VARIANCE = 0.2;

/** Priors for an input of width × height: (cx, cy, w, h) in input pixels, four floats each. */
export function ultraFacePriors(width: number, height: number): Float32Array {
  const priors: number[] = [];
  const clip = (value: number, max: number): number => Math.min(max, Math.max(0, value));
  for (const [stride, sizes] of PRIOR_LEVELS) {
    const columns = Math.ceil(width / stride);
    const rows = Math.ceil(height / stride);
    for (let row = 0; row < rows; row += 1) {
      for (let column = 0; column < columns; column += 1) {
        for (const size of sizes) {
          priors.push(clip((column + 0.5) * stride, width), clip((row + 0.5) * stride, height), clip(size, width), clip(size, height));
        }
      }
    }
  }
  return Float32Array.from(priors);
}

/**
 * Trained on 320×240 pictures, UltraFace reads bodies and furniture as faces
 * of 130–260 px when shown a frame at 1280 or 1920 px (scores up to 1.0 on
 * the sample photos), while it places faces up to ~100 px in its input
 * reliably. So it keeps faces up to 112 px from each view and finds larger
 * ones in whole-frame views three times coarser, down to 160 px (adr/0009).
 */
const ULTRAFACE_REACH: DetectorReach = { largestFace: 112, pyramidRatio: 3, pyramidMinSide: 160 };

/**
 * UltraFace RFB-320 with its box decoding cut out of the graph at
 * provisioning (scripts/provision-models.mjs), so that it takes any input
 * size: the model returns per-prior face probabilities (`scores` [N, A, 2],
 * column 1 = face) and raw SSD offsets (`locations` [N, A, 4]), decoded here
 * against priors built for the input size. Frames are letterboxed, never
 * stretched (ViewDetector).
 */
export class UltraFaceDetector extends ViewDetector {
  static readonly family = 'ultraface';

  /** Does this model file look like the any-size UltraFace? Used to pick the adapter from the file itself. */
  static accepts(model: OnnxModel): boolean {
    const names = model.outputNames;
    return names.includes('scores') && names.includes('locations') && model.inputShape().length === 4;
  }

  private readonly priors = new Map<string, Float32Array>();

  constructor(model: OnnxModel, input: ModelInput, settings: DetectionSettings) {
    super(model, input, settings, ULTRAFACE_REACH);
  }

  protected decode({ outputs, index, input }: BatchItem, threshold: number): FaceDetection[] {
    const scores = tensorData(outputs, 'scores');
    const locations = tensorData(outputs, 'locations');
    const priors = this.priorsFor(input.width, input.height);
    const anchors = priors.length / 4;
    if (scores.length % (anchors * 2) !== 0) {
      throw new Error(`UltraFace returned ${scores.length / 2} anchors per batch, not a multiple of ${anchors} for ${input.width}×${input.height}`);
    }
    const faces: FaceDetection[] = [];
    const first = index * anchors;
    for (let a = 0; a < anchors; a += 1) {
      const score = scores[(first + a) * 2 + 1] as number;
      if (score < threshold) continue;
      const o = (first + a) * 4;
      const p = a * 4;
      const priorWidth = priors[p + 2] as number;
      const priorHeight = priors[p + 3] as number;
      const cx = (priors[p] as number) + (locations[o] as number) * CENTRE_VARIANCE * priorWidth;
      const cy = (priors[p + 1] as number) + (locations[o + 1] as number) * CENTRE_VARIANCE * priorHeight;
      const w = priorWidth * Math.exp((locations[o + 2] as number) * SIZE_VARIANCE);
      const h = priorHeight * Math.exp((locations[o + 3] as number) * SIZE_VARIANCE);
      faces.push({ box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, score });
    }
    return faces;
  }

  private priorsFor(width: number, height: number): Float32Array {
    const key = `${width}x${height}`;
    let priors = this.priors.get(key);
    if (!priors) {
      priors = ultraFacePriors(width, height);
      this.priors.set(key, priors);
    }
    return priors;
  }
}
