import type { BoundingBox } from './geometry';
import { boxArea, boxCenter, intersectionOverUnion } from './geometry';
import type { FivePointLandmarks } from './landmarks';

/** One face found by a detector, in source-image pixels. */
export interface FaceDetection {
  readonly box: BoundingBox;
  readonly score: number;
  /** The five alignment points, when the detector gives them (no separate landmark stage is then needed). */
  readonly landmarks?: FivePointLandmarks;
}

/**
 * Greedy non-maximum suppression: keeps the best-scoring box, drops every box
 * overlapping it by more than `iouThreshold`, repeats. Returns at most
 * `maxDetections`, best first.
 */
export function nonMaximumSuppression<T extends FaceDetection>(
  detections: readonly T[],
  iouThreshold: number,
  maxDetections = Number.POSITIVE_INFINITY,
): T[] {
  const remaining = [...detections].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  while (remaining.length > 0 && kept.length < maxDetections) {
    const best = remaining.shift() as T;
    kept.push(best);
    for (let i = remaining.length - 1; i >= 0; i -= 1) {
      if (intersectionOverUnion(best.box, (remaining[i] as T).box) > iouThreshold) {
        remaining.splice(i, 1);
      }
    }
  }
  return kept;
}

/**
 * The face a single-subject photo is about: the one whose centre is nearest
 * the image centre, ties broken by size. LFW photos are centred on their
 * subject, with other people often visible at the edges.
 */
export function mostCentralFace<T extends FaceDetection>(faces: readonly T[], width: number, height: number): T | undefined {
  const distance = (face: T): number => {
    const c = boxCenter(face.box);
    return Math.hypot(c.x - width / 2, c.y - height / 2);
  };
  let best: T | undefined;
  for (const face of faces) {
    if (
      best === undefined ||
      distance(face) < distance(best) ||
      (distance(face) === distance(best) && boxArea(face.box) > boxArea(best.box))
    ) {
      best = face;
    }
  }
  return best;
}
