import {
  similarityScale,
  ARCFACE_CROP_SIZE,
  ARCFACE_TEMPLATE_112,
  type AffineMatrix,
  applyAffine,
  arcFaceAlignment,
  estimateSimilarityTransform,
  invertAffine,
  rectangleToOutput,
} from '../../../src/domain/alignment';
import { DegenerateAlignmentError } from '../../../src/domain/errors';
import type { Point } from '../../../src/domain/geometry';
import type { FivePointLandmarks } from '../../../src/domain/landmarks';

/** The similarity transform x' = s·R(θ)·x + t as an affine matrix. */
const similarity = (scale: number, radians: number, tx: number, ty: number): AffineMatrix => {
  const a = scale * Math.cos(radians);
  const b = scale * Math.sin(radians);
  return [a, -b, tx, b, a, ty];
};

const expectMatrixClose = (actual: AffineMatrix, expected: AffineMatrix, tolerance: number): void => {
  actual.forEach((value, i) => expect(Math.abs(value - (expected[i] as number))).toBeLessThan(tolerance));
};

const compose = (outer: AffineMatrix, inner: AffineMatrix): AffineMatrix => {
  const [a1, b1, t1, c1, d1, u1] = outer;
  const [a2, b2, t2, c2, d2, u2] = inner;
  return [a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, a1 * t2 + b1 * u2 + t1, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2, c1 * t2 + d1 * u2 + u1];
};

const IDENTITY: AffineMatrix = [1, 0, 0, 0, 1, 0];

describe('ARCFACE_TEMPLATE_112', () => {
  it('is five points inside the 112×112 crop, eyes above nose above mouth', () => {
    expect(ARCFACE_CROP_SIZE).toBe(112);
    expect(ARCFACE_TEMPLATE_112).toHaveLength(5);
    for (const p of ARCFACE_TEMPLATE_112) {
      expect(p.x).toBeGreaterThan(0);
      expect(p.x).toBeLessThan(ARCFACE_CROP_SIZE);
      expect(p.y).toBeGreaterThan(0);
      expect(p.y).toBeLessThan(ARCFACE_CROP_SIZE);
    }
    const [leftEye, rightEye, nose, leftMouth, rightMouth] = ARCFACE_TEMPLATE_112;
    expect(leftEye.x).toBeLessThan(rightEye.x);
    expect(leftMouth.x).toBeLessThan(rightMouth.x);
    expect(nose.y).toBeGreaterThan(leftEye.y);
    expect(leftMouth.y).toBeGreaterThan(nose.y);
  });
});

describe('estimateSimilarityTransform', () => {
  it.each([
    ['rotation 30°, scale 2.5, translation', 2.5, Math.PI / 6, 40, -17],
    ['rotation -70°, scale 0.4', 0.4, (-70 * Math.PI) / 180, -3.25, 120],
    ['pure translation', 1, 0, 12, 7],
    ['rotation 180°', 1.3, Math.PI, 5, 5],
  ])('recovers a known %s from transformed template points to 1e-9', (_name, scale, radians, tx, ty) => {
    const known = similarity(scale, radians, tx, ty);
    const target = ARCFACE_TEMPLATE_112.map((p) => applyAffine(known, p));
    expectMatrixClose(estimateSimilarityTransform(ARCFACE_TEMPLATE_112, target), known, 1e-9);
  });

  it('maps the ArcFace template onto itself as the identity', () => {
    expectMatrixClose(arcFaceAlignment(ARCFACE_TEMPLATE_112), IDENTITY, 1e-12);
  });

  it('aligns a face seen at another scale, rotation and place back onto the template', () => {
    const inPhoto = ARCFACE_TEMPLATE_112.map((p) => applyAffine(similarity(1.8, 0.3, 60, 25), p)) as unknown as FivePointLandmarks;
    const toTemplate = arcFaceAlignment(inPhoto);
    inPhoto.forEach((p, i) => {
      const mapped = applyAffine(toTemplate, p);
      expect(mapped.x).toBeCloseTo((ARCFACE_TEMPLATE_112[i] as Point).x, 9);
      expect(mapped.y).toBeCloseTo((ARCFACE_TEMPLATE_112[i] as Point).y, 9);
    });
  });

  it('gives the least-squares fit when the points do not match exactly', () => {
    // Target: source scaled by 2, plus symmetric noise that a similarity cannot absorb.
    const source: Point[] = [
      { x: -1, y: 0 },
      { x: 1, y: 0 },
      { x: 0, y: -1 },
      { x: 0, y: 1 },
    ];
    const target: Point[] = [
      { x: -2.1, y: 0 },
      { x: 2.1, y: 0 },
      { x: 0, y: -1.9 },
      { x: 0, y: 1.9 },
    ];
    // Σ p·q / Σ|p|² = (2.1 + 2.1 + 1.9 + 1.9) / 4 = 2, Σ p×q = 0.
    expectMatrixClose(estimateSimilarityTransform(source, target), [2, -0, 0, 0, 2, 0], 1e-12);
  });

  it('works with exactly two points', () => {
    const m = estimateSimilarityTransform(
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
      ],
      [
        { x: 10, y: 10 },
        { x: 10, y: 12 },
      ],
    );
    // A 90° rotation with scale 2 about the origin, then a shift by (10, 10).
    expectMatrixClose(m, [0, -2, 10, 2, 0, 10], 1e-12);
  });

  it('rejects point sets of different sizes', () => {
    const call = (): AffineMatrix => estimateSimilarityTransform(ARCFACE_TEMPLATE_112, ARCFACE_TEMPLATE_112.slice(0, 4));
    expect(call).toThrow(DegenerateAlignmentError);
    expect(call).toThrow('got 5 and 4');
  });

  it('rejects fewer than two points', () => {
    const one = [{ x: 1, y: 1 }];
    expect(() => estimateSimilarityTransform(one, one)).toThrow(/at least 2 points, got 1 and 1/);
  });

  it('rejects landmarks that collapse to one point, with a typed error and context', () => {
    const collapsed = Array.from({ length: 5 }, () => ({ x: 50, y: 60 }));
    let caught: unknown;
    try {
      estimateSimilarityTransform(collapsed, ARCFACE_TEMPLATE_112);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DegenerateAlignmentError);
    expect((caught as DegenerateAlignmentError).code).toBe('degenerate_alignment');
    expect((caught as DegenerateAlignmentError).context).toEqual({ points: 5 });
  });
});

describe('invertAffine', () => {
  it.each<[string, AffineMatrix]>([
    ['a similarity', similarity(2.5, 0.7, 40, -17)],
    ['a general affine with shear', [1.5, 0.3, -4, -0.2, 0.8, 9]],
    ['a reflection', [-1, 0, 249, 0, 1, 0]],
  ])('composed with %s gives the identity both ways', (_name, m) => {
    const inverse = invertAffine(m);
    expectMatrixClose(compose(inverse, m), IDENTITY, 1e-12);
    expectMatrixClose(compose(m, inverse), IDENTITY, 1e-12);
  });

  it('maps transformed points back to where they came from', () => {
    const m = similarity(0.5, -1.2, 3, 4);
    const p = { x: 17.25, y: -8.5 };
    const back = applyAffine(invertAffine(m), applyAffine(m, p));
    expect(back.x).toBeCloseTo(p.x, 12);
    expect(back.y).toBeCloseTo(p.y, 12);
  });

  it('throws a typed error for a singular matrix', () => {
    expect(() => invertAffine([1, 2, 0, 2, 4, 0])).toThrow(DegenerateAlignmentError);
    expect(() => invertAffine([0, 0, 5, 0, 0, 5])).toThrow('affine transform is not invertible');
  });
});

describe('applyAffine', () => {
  it('computes (a·x + b·y + tx, c·x + d·y + ty)', () => {
    expect(applyAffine([1, 2, 3, 4, 5, 6], { x: 10, y: 100 })).toEqual({ x: 213, y: 546 });
  });
});

describe('rectangleToOutput', () => {
  it('maps the corners of a source rectangle onto the corners of the output', () => {
    const m = rectangleToOutput(20, 30, 100, 50, 64, 64);
    expect(applyAffine(m, { x: 20, y: 30 })).toEqual({ x: 0, y: 0 });
    const far = applyAffine(m, { x: 120, y: 80 });
    expect(far.x).toBeCloseTo(64, 12);
    expect(far.y).toBeCloseTo(64, 12);
    expect(m).toEqual([0.64, 0, -12.8, 0, 1.28, -38.4]);
  });

  it('is a pure stretch for a whole image', () => {
    // `+ 0` folds -0 (from -x·s with x = 0) into 0.
    expect(rectangleToOutput(0, 0, 640, 480, 320, 240).map((v) => v + 0)).toEqual([0.5, 0, 0, 0, 0.5, 0]);
  });
});

describe('similarityScale', () => {
  it('is the output pixels per input pixel of a similarity transform, whatever its rotation', () => {
    const angle = 0.3;
    expect(similarityScale([2 * Math.cos(angle), -2 * Math.sin(angle), 5, 2 * Math.sin(angle), 2 * Math.cos(angle), 7])).toBeCloseTo(2, 12);
    expect(similarityScale([0.5, 0, 0, 0, 0.5, 0])).toBe(0.5);
  });
});
