import { bestScored, enrolmentScore } from '../../../src/domain/enrolment';

const policy = { minFaceSize: 20, minSharpness: 10, maxYawDegrees: 60 };

describe('enrolmentScore', () => {
  it('is the weakest of size, sharpness and pose, each relative to the gate', () => {
    expect(enrolmentScore({ faceSize: 200, sharpness: 15, yaw: 0 }, policy)).toBeCloseTo(1.5);
    expect(enrolmentScore({ faceSize: 30, sharpness: 100, yaw: 0 }, policy)).toBeCloseTo(1.5);
    expect(enrolmentScore({ faceSize: 200, sharpness: 100, yaw: -30 }, policy)).toBeCloseTo(1.5);
    expect(enrolmentScore({ faceSize: 200, sharpness: 100, yaw: 90 }, policy)).toBeCloseTo(1);
  });

  it('ranks a larger, sharper, more frontal face higher', () => {
    const weak = enrolmentScore({ faceSize: 25, sharpness: 12, yaw: 40 }, policy);
    const strong = enrolmentScore({ faceSize: 120, sharpness: 40, yaw: 5 }, policy);
    expect(strong).toBeGreaterThan(weak);
  });

  it('ignores a measure the gate does not check (a zero threshold)', () => {
    expect(enrolmentScore({ faceSize: 10, sharpness: 5, yaw: 80 }, { minFaceSize: 0, minSharpness: 0, maxYawDegrees: 0 })).toBe(1);
    expect(enrolmentScore({ faceSize: 40, sharpness: 0, yaw: 0 }, { minFaceSize: 20, minSharpness: 0, maxYawDegrees: 60 })).toBe(2);
  });
});

describe('bestScored', () => {
  it('keeps the best, best first, equal scores in their order', () => {
    const items = [
      { id: 'a', score: 1 },
      { id: 'b', score: 3 },
      { id: 'c', score: 2 },
      { id: 'd', score: 3 },
    ];
    expect(bestScored(items, 3).map((i) => i.id)).toEqual(['b', 'd', 'c']);
    expect(bestScored(items, 10)).toHaveLength(4);
    expect(bestScored(items, -1)).toEqual([]);
  });
});
