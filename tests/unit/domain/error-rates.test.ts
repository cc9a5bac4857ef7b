import {
  allowedCount,
  detCurve,
  errorRatesAt,
  nextAbove,
  operatingPointAtFalsePositiveRate,
  thresholdForFalsePositiveRate,
  type TrialScores,
} from '../../../src/domain/error-rates';
import { proportion } from '../../../src/domain/proportion';

const trials: TrialScores = {
  genuine: [0.9, 0.8, 0.7, 0.5, null],
  impostor: [0.1, 0.2, 0.3, 0.6, 0.75, null],
};

describe('errorRatesAt', () => {
  it('counts impostors accepted and genuine trials not accepted, a score equal to the threshold accepted', () => {
    const point = errorRatesAt(trials, 0.7);
    expect(point.threshold).toBe(0.7);
    expect(point.falsePositive).toEqual(proportion(1, 6)); // 0.75
    expect(point.falseNegative).toEqual(proportion(2, 5)); // 0.5 and the unscored one
  });

  it('never accepts an unscored trial, even at the lowest threshold', () => {
    const point = errorRatesAt(trials, Number.NEGATIVE_INFINITY);
    expect(point.falsePositive.count).toBe(5);
    expect(point.falseNegative.count).toBe(1);
  });
});

describe('nextAbove', () => {
  it.each([0.276, 1, -0.5, -Number.MIN_VALUE, 1e-300])('is the next double above %p', (x) => {
    const next = nextAbove(x);
    expect(next).toBeGreaterThan(x);
    // Nothing lies between: the midpoint rounds to one of the two.
    expect([x, next]).toContain((x + next) / 2);
  });

  it('steps from zero to the smallest positive double', () => {
    expect(nextAbove(0)).toBe(Number.MIN_VALUE);
    expect(nextAbove(-0)).toBe(Number.MIN_VALUE);
  });
});

describe('allowedCount', () => {
  it('is the largest count whose rate does not exceed the target', () => {
    expect(allowedCount(0.001, 3000)).toBe(3);
    expect(allowedCount(0.01, 7226)).toBe(72);
    expect(allowedCount(0.001, 999)).toBe(0);
    expect(allowedCount(0.5, 0)).toBe(0);
  });

  it('is not thrown off by a product that lands just below a whole number', () => {
    expect(0.29 * 100).toBeLessThan(29);
    expect(allowedCount(0.29, 100)).toBe(29);
  });
});

describe('thresholdForFalsePositiveRate', () => {
  it('lies just above the (k+1)-th highest impostor score', () => {
    // 6 impostors, 34 % allows 2: 0.75 and 0.6 may be accepted, 0.3 may not.
    expect(thresholdForFalsePositiveRate(trials.impostor, 0.34)).toEqual({ threshold: nextAbove(0.3), allowed: 2 });
    // 0 allowed: above the highest.
    expect(thresholdForFalsePositiveRate(trials.impostor, 0.1)).toEqual({ threshold: nextAbove(0.75), allowed: 0 });
  });

  it('rejects every impostor tied at the cut, so the rate reached may be below the target', () => {
    const tied = [0.9, 0.5, 0.5, 0.5, 0.1];
    const { threshold, allowed } = thresholdForFalsePositiveRate(tied, 0.4);
    expect(allowed).toBe(2);
    expect(threshold).toBe(nextAbove(0.5));
    expect(errorRatesAt({ genuine: [], impostor: tied }, threshold).falsePositive.count).toBe(1);
  });

  it('is -∞ when the target allows more impostors than have a score', () => {
    expect(thresholdForFalsePositiveRate([0.4, null, null], 0.34)).toEqual({ threshold: Number.NEGATIVE_INFINITY, allowed: 1 });
  });
});

describe('operatingPointAtFalsePositiveRate', () => {
  it('gives the rates at that threshold with the target and the allowance', () => {
    // 6 impostors, 20 % allows 1: the threshold lies just above the second highest, 0.6.
    const point = operatingPointAtFalsePositiveRate(trials, 0.2);
    expect(point).toEqual({ ...errorRatesAt(trials, nextAbove(0.6)), target: 0.2, allowedFalsePositives: 1 });
    expect(point.falsePositive.count).toBe(1); // 0.75
    expect(point.falseNegative.count).toBe(2); // 0.5 and the unscored one
    expect(operatingPointAtFalsePositiveRate(trials, 0.1)).toMatchObject({ threshold: nextAbove(0.75), allowedFalsePositives: 0 });
  });
});

describe('detCurve', () => {
  it('has one point per distinct score, ascending, then one above the highest', () => {
    const curve = detCurve({ genuine: [0.8, 0.5, 0.5, null], impostor: [0.2, 0.5] });
    expect(curve).toEqual([
      { threshold: 0.2, falsePositiveRate: 1, falseNegativeRate: 0.25 },
      { threshold: 0.5, falsePositiveRate: 0.5, falseNegativeRate: 0.25 },
      { threshold: 0.8, falsePositiveRate: 0, falseNegativeRate: 0.75 },
      { threshold: nextAbove(0.8), falsePositiveRate: 0, falseNegativeRate: 1 },
    ]);
  });

  it('agrees with errorRatesAt at every point', () => {
    for (const point of detCurve(trials)) {
      const rates = errorRatesAt(trials, point.threshold);
      expect(point.falsePositiveRate).toBe(rates.falsePositive.rate);
      expect(point.falseNegativeRate).toBe(rates.falseNegative.rate);
    }
  });

  it('is a single point when no trial has a score', () => {
    expect(detCurve({ genuine: [null], impostor: [null, null] })).toEqual([{ threshold: 0, falsePositiveRate: 0, falseNegativeRate: 1 }]);
  });

  it('is empty without one of the two kinds of trial', () => {
    expect(detCurve({ genuine: [], impostor: [0.3] })).toEqual([]);
    expect(detCurve({ genuine: [0.3], impostor: [] })).toEqual([]);
  });
});
