import { applyAffine } from '../../../src/domain/alignment';
import type { BoundingBox, Point } from '../../../src/domain/geometry';
import type { FivePointLandmarks } from '../../../src/domain/landmarks';
import { assessQuality, estimatePose, faceCore, faceSharpness, laplacianVariance, shrinkGrey, type QualityPolicy } from '../../../src/domain/quality';

/** A symmetric frontal face: eyes 40 px apart, nose on the midline. */
const frontal: FivePointLandmarks = [
  { x: 40, y: 50 },
  { x: 80, y: 50 },
  { x: 60, y: 70 },
  { x: 45, y: 90 },
  { x: 75, y: 90 },
];

const rotateAbout = (points: FivePointLandmarks, degrees: number, centre: Point): FivePointLandmarks => {
  const r = (degrees * Math.PI) / 180;
  const cos = Math.cos(r);
  const sin = Math.sin(r);
  return points.map((p) =>
    applyAffine([cos, -sin, centre.x - cos * centre.x + sin * centre.y, sin, cos, centre.y - sin * centre.x - cos * centre.y], p),
  ) as unknown as FivePointLandmarks;
};

/** The frontal face with the nose moved along the eye line as a head turned by `yaw` would move it. */
const turned = (yaw: number): FivePointLandmarks => {
  const [l, r, nose, ml, mr] = frontal;
  const shift = 40 * 0.5 * Math.tan((yaw * Math.PI) / 180);
  return [l, r, { x: nose.x + shift, y: nose.y }, ml, mr];
};

describe('estimatePose', () => {
  it('reads a symmetric frontal face as yaw 0, roll 0', () => {
    const pose = estimatePose(frontal);
    expect(pose.yaw).toBeCloseTo(0, 12);
    expect(pose.roll).toBeCloseTo(0, 12);
  });

  it.each([15, -30, 45, 60])('recovers a yaw of %i° from the nose offset', (yaw) => {
    expect(estimatePose(turned(yaw)).yaw).toBeCloseTo(yaw, 9);
  });

  it.each([30, -25, 80])('a face rolled by %i° keeps yaw ≈ 0 and reports the roll', (roll) => {
    const pose = estimatePose(rotateAbout(frontal, roll, { x: 60, y: 70 }));
    expect(pose.yaw).toBeCloseTo(0, 9);
    expect(pose.roll).toBeCloseTo(roll, 9);
  });

  it('a turned and rolled face keeps its yaw', () => {
    const pose = estimatePose(rotateAbout(turned(20), 35, { x: 10, y: -5 }));
    expect(pose.yaw).toBeCloseTo(20, 9);
    expect(pose.roll).toBeCloseTo(35, 9);
  });

  it('treats coincident eyes (no eye line) as an extreme pose', () => {
    const [l, , nose, ml, mr] = frontal;
    expect(estimatePose([l, l, nose, ml, mr])).toEqual({ yaw: 90, roll: 0 });
  });
});

describe('laplacianVariance', () => {
  const image = (width: number, height: number, value: (x: number, y: number) => number): Float32Array => {
    const grey = new Float32Array(width * height);
    for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) grey[y * width + x] = value(x, y);
    return grey;
  };

  it('is 0 for a flat image', () => {
    expect(laplacianVariance(image(16, 16, () => 128), 16, 16)).toBe(0);
  });

  it('is 0 for a linear ramp (no curvature)', () => {
    expect(laplacianVariance(image(16, 12, (x, y) => 3 * x + 5 * y), 16, 12)).toBe(0);
  });

  it('is large for a 0/255 checkerboard: every Laplacian is ±1020, mean 0', () => {
    expect(laplacianVariance(image(8, 8, (x, y) => ((x + y) % 2) * 255), 8, 8)).toBe(1020 * 1020);
  });

  it('grows with contrast and shrinks with blur', () => {
    const sharp = laplacianVariance(image(32, 32, (x, y) => ((x + y) % 2) * 100), 32, 32);
    const sharper = laplacianVariance(image(32, 32, (x, y) => ((x + y) % 2) * 200), 32, 32);
    const smooth = laplacianVariance(image(32, 32, (x, y) => 100 * Math.sin(x / 5) * Math.cos(y / 5)), 32, 32);
    expect(sharper).toBeCloseTo(4 * sharp, 6);
    expect(smooth).toBeGreaterThan(0);
    expect(smooth).toBeLessThan(sharp / 100);
  });

  it('only looks at interior pixels: a bright border does not count', () => {
    expect(laplacianVariance(image(5, 5, (x, y) => (x === 0 || y === 0 || x === 4 || y === 4 ? 255 : 0)), 5, 5)).toBeGreaterThan(0);
    // A 3×3 image has one interior pixel, so the variance over it is 0.
    expect(laplacianVariance(image(3, 3, (x, y) => (x + y) % 2), 3, 3)).toBe(0);
  });

  it('is 0 for images too small to have an interior', () => {
    expect(laplacianVariance(image(2, 10, (x) => x * 255), 2, 10)).toBe(0);
    expect(laplacianVariance(image(10, 2, (x) => (x % 2) * 255), 10, 2)).toBe(0);
  });
});

describe('assessQuality', () => {
  const policy: QualityPolicy = { minFaceSize: 40, minSharpness: 15, maxYawDegrees: 45 };
  const bigBox: BoundingBox = { x1: 10, y1: 10, x2: 110, y2: 130 };

  it('passes a large, frontal, sharp face and reports its measures', () => {
    const assessment = assessQuality(bigBox, frontal, 80, policy);
    expect(assessment).toMatchObject({ faceSize: 100, sharpness: 80, passed: true, reason: 'ok' });
    expect(assessment.pose.yaw).toBeCloseTo(0, 9);
  });

  it('rejects a face whose smaller side is under the minimum as too_small', () => {
    const narrow = { x1: 0, y1: 0, x2: 39, y2: 200 };
    expect(assessQuality(narrow, frontal, 80, policy)).toMatchObject({ faceSize: 39, passed: false, reason: 'too_small' });
  });

  it('rejects a turned head as extreme_pose, whichever way it turns', () => {
    expect(assessQuality(bigBox, turned(50), 80, policy)).toMatchObject({ passed: false, reason: 'extreme_pose' });
    expect(assessQuality(bigBox, turned(-50), 80, policy)).toMatchObject({ passed: false, reason: 'extreme_pose' });
    expect(assessQuality(bigBox, turned(40), 80, policy)).toMatchObject({ passed: true, reason: 'ok' });
  });

  it('rejects a blurred crop as too_blurry', () => {
    expect(assessQuality(bigBox, frontal, 14.9, policy)).toMatchObject({ passed: false, reason: 'too_blurry' });
  });

  it('accepts values exactly at the limits', () => {
    expect(assessQuality({ x1: 0, y1: 0, x2: 40, y2: 40 }, turned(45 - 1e-9), 15, policy).reason).toBe('ok');
  });

  it('reports the first failing check: size, then pose, then sharpness', () => {
    const tiny = { x1: 0, y1: 0, x2: 10, y2: 10 };
    expect(assessQuality(tiny, turned(80), 0, policy).reason).toBe('too_small');
    expect(assessQuality(bigBox, turned(80), 0, policy).reason).toBe('extreme_pose');
  });

  it('an open policy (as in the LFW evaluation) passes everything', () => {
    const open: QualityPolicy = { minFaceSize: 0, minSharpness: 0, maxYawDegrees: 90 };
    expect(assessQuality({ x1: 5, y1: 5, x2: 5, y2: 5 }, turned(89), 0, open).passed).toBe(true);
  });
});

describe('shrinkGrey', () => {
  it('averages each output pixel over the source area it covers', () => {
    const grey = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150];
    expect(Array.from(shrinkGrey(grey, 4, 4, 2, 2))).toEqual([25, 45, 105, 125]);
  });

  it('weights pixels cut by a fractional edge', () => {
    // 3 → 2: the middle pixel is shared half and half.
    expect(Array.from(shrinkGrey([0, 30, 60], 3, 1, 2, 1))).toEqual([10, 50]);
  });
});

describe('faceSharpness', () => {
  /** A crisp checkerboard of `size` cells, enlarged to `crop` by pixel repetition: what aligning a small face does. */
  const enlarged = (size: number, crop: number): number[] =>
    Array.from({ length: crop * crop }, (_, i) => {
      const cellX = Math.floor((i % crop) / (crop / size));
      const cellY = Math.floor(Math.floor(i / crop) / (crop / size));
      return (cellX + cellY) % 2 === 0 ? 0 : 255;
    });

  it('is the Laplacian variance of the face core when the face was not enlarged', () => {
    const grey = enlarged(20, 20);
    const core = faceCore(grey, 20, 20);
    expect(core).toMatchObject({ width: 12, height: 14 });
    expect(faceSharpness(grey, 20, 20, 1)).toBe(laplacianVariance(core.grey, core.width, core.height));
    expect(faceSharpness(grey, 20, 20, 0.5)).toBe(laplacianVariance(core.grey, core.width, core.height));
  });

  it('judges an enlarged face at its own resolution, where it is as crisp as it was', () => {
    // Cells of two native pixels, each enlarged 4×: shrinking back keeps their edges.
    const crop = enlarged(14, 112);
    const core = faceCore(crop, 112, 112);
    const onTheCrop = laplacianVariance(core.grey, core.width, core.height);
    expect(faceSharpness(crop, 112, 112, 4)).toBeGreaterThan(2 * onTheCrop);
  });

  it('ignores what lies outside the face core, such as the black fill beyond a frame edge', () => {
    const crop = enlarged(28, 112).map((v) => (v === 0 ? 100 : 140));
    const filled = crop.map((v, i) => (i % 112 < 10 ? 0 : v));
    expect(faceSharpness(filled, 112, 112, 1)).toBe(faceSharpness(crop, 112, 112, 1));
    expect(laplacianVariance(filled, 112, 112)).not.toBe(laplacianVariance(crop, 112, 112));
  });

  it('keeps at least 3 × 3 pixels for the Laplacian', () => {
    expect(Number.isFinite(faceSharpness(enlarged(2, 8), 8, 8, 100))).toBe(true);
  });
});
