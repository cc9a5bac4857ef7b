import type { BoundingBox } from './geometry';
import { boxHeight, boxWidth } from './geometry';
import type { FivePointLandmarks } from './landmarks';

export type QualityVerdict = 'ok' | 'too_small' | 'too_blurry' | 'extreme_pose';

export interface QualityPolicy {
  /** Smallest acceptable side of the face box, in source pixels. */
  readonly minFaceSize: number;
  /** Smallest acceptable variance of the Laplacian of the aligned grey crop. */
  readonly minSharpness: number;
  /** Largest acceptable estimated head yaw, in degrees. */
  readonly maxYawDegrees: number;
}

export interface PoseEstimate {
  /** Head turn left/right, degrees (0 = frontal). Approximated from the nose offset. */
  readonly yaw: number;
  /** In-plane tilt of the eye line, degrees. Alignment removes it; reported for context. */
  readonly roll: number;
}

export interface QualityAssessment {
  readonly faceSize: number;
  readonly sharpness: number;
  readonly pose: PoseEstimate;
  readonly passed: boolean;
  readonly reason: QualityVerdict;
}

/**
 * Nose-tip depth in units of the inter-ocular distance (anthropometric
 * average ≈ 0.5): a yaw of θ shifts the nose by depth·sin θ while the eyes
 * shrink to iod·cos θ, so offset/iod = 0.5·tan θ.
 */
const NOSE_DEPTH_RATIO = 0.5;

const degrees = (radians: number): number => (radians * 180) / Math.PI;

export function estimatePose(landmarks: FivePointLandmarks): PoseEstimate {
  const [leftEye, rightEye, nose] = landmarks;
  const dx = rightEye.x - leftEye.x;
  const dy = rightEye.y - leftEye.y;
  const interocular = Math.hypot(dx, dy);
  const rollRadians = Math.atan2(dy, dx);
  if (interocular === 0) return { yaw: 90, roll: 0 };
  // Express the nose in the eye-line frame so that roll does not read as yaw.
  const midX = (leftEye.x + rightEye.x) / 2;
  const midY = (leftEye.y + rightEye.y) / 2;
  const noseAlongEyeLine = ((nose.x - midX) * dx + (nose.y - midY) * dy) / interocular;
  const offset = noseAlongEyeLine / interocular;
  return { yaw: degrees(Math.atan(offset / NOSE_DEPTH_RATIO)), roll: degrees(rollRadians) };
}

/**
 * Variance of the 4-neighbour Laplacian over a grey image: low values mean
 * few edges, i.e. blur. Computed on the aligned crop so faces of any source
 * size are judged on the same 112×112 scale.
 */
export function laplacianVariance(grey: ArrayLike<number>, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumOfSquares = 0;
  for (let y = 1; y < height - 1; y += 1) {
    const row = y * width;
    for (let x = 1; x < width - 1; x += 1) {
      const i = row + x;
      const value =
        (grey[i - 1] as number) + (grey[i + 1] as number) + (grey[i - width] as number) + (grey[i + width] as number) - 4 * (grey[i] as number);
      sum += value;
      sumOfSquares += value * value;
    }
  }
  const count = (width - 2) * (height - 2);
  const meanValue = sum / count;
  return sumOfSquares / count - meanValue * meanValue;
}

/**
 * Shrinks a grey image to `width` × `height` by area averaging: each output
 * pixel is the mean of the source area it covers (fractional edges weighted).
 */
export function shrinkGrey(grey: ArrayLike<number>, sourceWidth: number, sourceHeight: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const fx = sourceWidth / width;
  const fy = sourceHeight / height;
  for (let y = 0; y < height; y += 1) {
    const top = y * fy;
    const bottom = top + fy;
    for (let x = 0; x < width; x += 1) {
      const left = x * fx;
      const right = left + fx;
      let sum = 0;
      // min(): floating-point steps may put the last edge a hair past the image.
      for (let sy = Math.floor(top); sy < Math.min(sourceHeight, Math.ceil(bottom)); sy += 1) {
        const wy = Math.min(bottom, sy + 1) - Math.max(top, sy);
        for (let sx = Math.floor(left); sx < Math.min(sourceWidth, Math.ceil(right)); sx += 1) {
          sum += (grey[sy * sourceWidth + sx] as number) * wy * (Math.min(right, sx + 1) - Math.max(left, sx));
        }
      }
      out[y * width + x] = sum / (fx * fy);
    }
  }
  return out;
}

/**
 * The part of an aligned crop the sharpness is judged on, as fractions of the
 * crop: brows to chin, cheek to cheek around the ArcFace template's points
 * (eyes at 34 % / 66 % across and 46 % down, mouth corners at 82 % down).
 * The rest of the crop is hair, background, or, for a face at the edge of a
 * frame, the black fill outside the image, whose hard border would read as
 * detail.
 */
export const FACE_CORE = { x1: 0.2, y1: 0.25, x2: 0.8, y2: 0.93 } as const;

/** The FACE_CORE pixels of a grey crop, and their size. */
export function faceCore(grey: ArrayLike<number>, width: number, height: number): { grey: Float32Array; width: number; height: number } {
  const x1 = Math.round(FACE_CORE.x1 * width);
  const y1 = Math.round(FACE_CORE.y1 * height);
  const coreWidth = Math.round(FACE_CORE.x2 * width) - x1;
  const coreHeight = Math.round(FACE_CORE.y2 * height) - y1;
  const core = new Float32Array(coreWidth * coreHeight);
  for (let y = 0; y < coreHeight; y += 1) {
    for (let x = 0; x < coreWidth; x += 1) core[y * coreWidth + x] = grey[(y1 + y) * width + x1 + x] as number;
  }
  return { grey: core, width: coreWidth, height: coreHeight };
}

/**
 * Sharpness of an aligned face crop, judged on its FACE_CORE at the
 * resolution the face really had. A face smaller than the crop was enlarged
 * to fill it, and enlarging blurs: on the crop itself a crisp 40 px face
 * scores like a motion-blurred 150 px one. So the core is first shrunk back to
 * the face's own size (`cropPixelsPerSourcePixel` > 1 means it was enlarged),
 * and the variance of the Laplacian is taken there: blur is judged against the
 * detail the camera could deliver, and what the quality gate rejects is blur,
 * not distance (adr/0009).
 */
export function faceSharpness(grey: ArrayLike<number>, width: number, height: number, cropPixelsPerSourcePixel: number): number {
  const core = faceCore(grey, width, height);
  if (cropPixelsPerSourcePixel <= 1) return laplacianVariance(core.grey, core.width, core.height);
  const nativeWidth = Math.max(3, Math.round(core.width / cropPixelsPerSourcePixel));
  const nativeHeight = Math.max(3, Math.round(core.height / cropPixelsPerSourcePixel));
  return laplacianVariance(shrinkGrey(core.grey, core.width, core.height, nativeWidth, nativeHeight), nativeWidth, nativeHeight);
}

export function assessQuality(
  box: BoundingBox,
  landmarks: FivePointLandmarks,
  sharpness: number,
  policy: QualityPolicy,
): QualityAssessment {
  const faceSize = Math.min(boxWidth(box), boxHeight(box));
  const pose = estimatePose(landmarks);
  const verdict = qualityVerdict({ faceSize, sharpness, yawDegrees: pose.yaw }, policy);
  return { faceSize, sharpness, pose, passed: verdict === 'ok', reason: verdict };
}

/** What the quality gate looks at, once measured. */
export interface QualityMeasures {
  readonly faceSize: number;
  readonly sharpness: number;
  readonly yawDegrees: number;
}

/** The gate's verdict on measured values: the first failed rule, in the order size, pose, sharpness. */
export function qualityVerdict(measures: QualityMeasures, policy: QualityPolicy): QualityVerdict {
  if (measures.faceSize < policy.minFaceSize) return 'too_small';
  if (Math.abs(measures.yawDegrees) > policy.maxYawDegrees) return 'extreme_pose';
  if (measures.sharpness < policy.minSharpness) return 'too_blurry';
  return 'ok';
}
