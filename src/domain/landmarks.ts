import type { Point } from './geometry';
import { InvalidLandmarksError } from './errors';

/** Left eye, right eye, nose tip, left mouth corner, right mouth corner (image left/right). */
export type FivePointLandmarks = readonly [Point, Point, Point, Point, Point];

const mean = (points: readonly Point[]): Point => ({
  x: points.reduce((sum, p) => sum + p.x, 0) / points.length,
  y: points.reduce((sum, p) => sum + p.y, 0) / points.length,
});

/**
 * Reduces the iBUG 68-point layout to the 5 points the ArcFace template uses.
 * Eye centres average the four eyelid points (37,38,40,41 and 43,44,46,47),
 * mouth corners average the outer and inner lip corners (48,60 and 54,64).
 */
export function fivePointsFromSixtyEight(points: readonly Point[]): FivePointLandmarks {
  if (points.length !== 68) {
    throw new InvalidLandmarksError(`expected 68 landmarks, got ${points.length}`);
  }
  const at = (indices: readonly number[]): Point[] => indices.map((i) => points[i] as Point);
  return [
    mean(at([37, 38, 40, 41])),
    mean(at([43, 44, 46, 47])),
    points[30] as Point,
    mean(at([48, 60])),
    mean(at([54, 64])),
  ];
}

/** Mirrors landmarks horizontally inside an image of the given width, keeping left/right order. */
export function mirrorLandmarks(landmarks: FivePointLandmarks, width: number): FivePointLandmarks {
  const flip = (p: Point): Point => ({ x: width - 1 - p.x, y: p.y });
  const [leftEye, rightEye, nose, leftMouth, rightMouth] = landmarks;
  return [flip(rightEye), flip(leftEye), flip(nose), flip(rightMouth), flip(leftMouth)];
}

export const landmarksToArray = (landmarks: FivePointLandmarks): Array<[number, number]> =>
  landmarks.map((p) => [p.x, p.y]);
