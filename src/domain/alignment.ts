import type { Point } from './geometry';
import type { FivePointLandmarks } from './landmarks';
import { DegenerateAlignmentError } from './errors';

/**
 * A 2×3 affine matrix [a, b, tx, c, d, ty] mapping (x, y) to
 * (a·x + b·y + tx, c·x + d·y + ty).
 */
export type AffineMatrix = readonly [number, number, number, number, number, number];

/** Where the 5 landmarks of a well-aligned face sit in the 112×112 ArcFace crop. */
export const ARCFACE_TEMPLATE_112: FivePointLandmarks = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

export const ARCFACE_CROP_SIZE = 112;

/**
 * Least-squares similarity transform (rotation, uniform scale, translation)
 * mapping `source` points onto `target` points: Umeyama (1991) restricted to
 * proper rotations, which in 2-D has this closed form.
 */
export function estimateSimilarityTransform(source: readonly Point[], target: readonly Point[]): AffineMatrix {
  if (source.length !== target.length || source.length < 2) {
    throw new DegenerateAlignmentError(
      `similarity transform needs two equal sets of at least 2 points, got ${source.length} and ${target.length}`,
    );
  }
  const n = source.length;
  const centroid = (points: readonly Point[]): Point => ({
    x: points.reduce((s, p) => s + p.x, 0) / n,
    y: points.reduce((s, p) => s + p.y, 0) / n,
  });
  const sourceMean = centroid(source);
  const targetMean = centroid(target);
  let sourceVariance = 0;
  let cosineTerm = 0;
  let sineTerm = 0;
  for (let i = 0; i < n; i += 1) {
    const px = (source[i] as Point).x - sourceMean.x;
    const py = (source[i] as Point).y - sourceMean.y;
    const qx = (target[i] as Point).x - targetMean.x;
    const qy = (target[i] as Point).y - targetMean.y;
    sourceVariance += px * px + py * py;
    cosineTerm += px * qx + py * qy;
    sineTerm += px * qy - py * qx;
  }
  if (sourceVariance < 1e-12) {
    throw new DegenerateAlignmentError('landmarks collapse to a single point', { points: n });
  }
  const a = cosineTerm / sourceVariance;
  const b = sineTerm / sourceVariance;
  return [a, -b, targetMean.x - (a * sourceMean.x - b * sourceMean.y), b, a, targetMean.y - (b * sourceMean.x + a * sourceMean.y)];
}

/** The transform that maps a face's landmarks onto the ArcFace template. */
export const arcFaceAlignment = (landmarks: FivePointLandmarks): AffineMatrix =>
  estimateSimilarityTransform(landmarks, ARCFACE_TEMPLATE_112);

/** The scale of a similarity transform: output pixels per input pixel. */
export const similarityScale = (m: AffineMatrix): number => Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));

export function invertAffine(m: AffineMatrix): AffineMatrix {
  const [a, b, tx, c, d, ty] = m;
  const determinant = a * d - b * c;
  if (Math.abs(determinant) < 1e-12) {
    throw new DegenerateAlignmentError('affine transform is not invertible');
  }
  const ia = d / determinant;
  const ib = -b / determinant;
  const ic = -c / determinant;
  const id = a / determinant;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

export const applyAffine = (m: AffineMatrix, p: Point): Point => ({
  x: m[0] * p.x + m[1] * p.y + m[2],
  y: m[3] * p.x + m[4] * p.y + m[5],
});

/** Maps the rectangle (x, y, width, height) of a source image onto an output of outWidth × outHeight. */
export const rectangleToOutput = (
  x: number,
  y: number,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): AffineMatrix => {
  const sx = outWidth / width;
  const sy = outHeight / height;
  return [sx, 0, -x * sx, 0, sy, -y * sy];
};
