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

export function assessQuality(
  box: BoundingBox,
  landmarks: FivePointLandmarks,
  sharpness: number,
  policy: QualityPolicy,
): QualityAssessment {
  const faceSize = Math.min(boxWidth(box), boxHeight(box));
  const pose = estimatePose(landmarks);
  const verdict: QualityVerdict =
    faceSize < policy.minFaceSize
      ? 'too_small'
      : Math.abs(pose.yaw) > policy.maxYawDegrees
        ? 'extreme_pose'
        : sharpness < policy.minSharpness
          ? 'too_blurry'
          : 'ok';
  return { faceSize, sharpness, pose, passed: verdict === 'ok', reason: verdict };
}
