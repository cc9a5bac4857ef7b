import { accuracyAt, bestThreshold, crossValidate, type ScoredPair } from '../../../src/domain/verification-protocol';

const pair = (similarity: number, same: boolean): ScoredPair => ({ similarity, same });

describe('accuracyAt', () => {
  const pairs = [pair(0.9, true), pair(0.5, true), pair(0.4, false), pair(0.6, false)];

  it('is the share of pairs whose decision (similarity ≥ threshold) matches the label', () => {
    expect(accuracyAt(pairs, 0.45)).toBe(0.75); // 0.6 different is called same
    expect(accuracyAt(pairs, 0.7)).toBe(0.75); // 0.5 same is called different
    expect(accuracyAt(pairs, 0)).toBe(0.5);
    expect(accuracyAt(pairs, 1)).toBe(0.5);
  });

  it('counts a similarity equal to the threshold as same', () => {
    expect(accuracyAt([pair(0.5, true)], 0.5)).toBe(1);
    expect(accuracyAt([pair(0.5, false)], 0.5)).toBe(0);
  });

  it('is 0 for no pairs', () => {
    expect(accuracyAt([], 0.5)).toBe(0);
  });
});

describe('bestThreshold', () => {
  it('finds the midpoint that separates perfectly separable pairs', () => {
    const pairs = [pair(0.9, true), pair(0.8, true), pair(0.6, false), pair(0.7, true), pair(0.3, false), pair(0.65, false)];
    const threshold = bestThreshold(pairs);
    expect(threshold).toBeCloseTo(0.675, 12);
    expect(accuracyAt(pairs, threshold)).toBe(1);
  });

  it('takes the lowest of equally good thresholds', () => {
    // Candidates 0.2-ε, 0.3, 0.5, 0.7, 0.8+ε score 0.5, 0.75, 0.5, 0.75, 0.5.
    expect(bestThreshold([pair(0.2, false), pair(0.4, true), pair(0.6, false), pair(0.8, true)])).toBeCloseTo(0.3, 12);
  });

  it('can lie below every score (all same) or above every score (all different)', () => {
    expect(bestThreshold([pair(0.4, true), pair(0.6, true)])).toBeCloseTo(0.4 - 1e-6, 12);
    expect(bestThreshold([pair(0.4, false), pair(0.6, false)])).toBeCloseTo(0.6 + 1e-6, 12);
  });

  it('handles repeated scores', () => {
    expect(bestThreshold([pair(0.5, true), pair(0.5, true), pair(0.2, false), pair(0.2, false)])).toBeCloseTo(0.35, 12);
  });

  it('is 0 for no pairs', () => {
    expect(bestThreshold([])).toBe(0);
  });
});

describe('crossValidate', () => {
  const folds = [
    [pair(0.9, true), pair(0.1, false)],
    [pair(0.8, true), pair(0.2, false)],
    [pair(0.6, true), pair(0.5, false)],
  ];

  it('chooses each fold’s threshold on the other folds and scores the held-out fold with it', () => {
    const result = crossValidate(folds);
    // Fold 1: trained on {0.2F, 0.5F, 0.6T, 0.8T} → 0.55; fold 2: on {0.1F, 0.5F, 0.6T, 0.9T} → 0.55;
    // fold 3: on {0.1F, 0.2F, 0.8T, 0.9T} → 0.5, which calls its 0.5 different pair the same.
    expect(result.folds.map((f) => f.threshold)).toEqual([expect.closeTo(0.55, 12), expect.closeTo(0.55, 12), expect.closeTo(0.5, 12)]);
    expect(result.folds.map((f) => f.accuracy)).toEqual([1, 1, 0.5]);
    expect(result.folds.map((f) => f.pairs)).toEqual([2, 2, 2]);
  });

  it('reports the mean and population standard deviation of the fold accuracies', () => {
    const result = crossValidate(folds);
    expect(result.meanAccuracy).toBeCloseTo(2.5 / 3, 12);
    expect(result.stdAccuracy).toBeCloseTo(Math.sqrt(1 / 18), 12);
  });

  it('reports the threshold that is best over all pairs and the pair count', () => {
    const result = crossValidate(folds);
    expect(result.overallThreshold).toBeCloseTo(0.55, 12);
    expect(result.pairs).toBe(6);
  });

  it('does not leak the held-out fold into its own threshold', () => {
    // Alone, the held-out fold would be perfectly separable at 0.55; trained on the others it is not.
    expect(bestThreshold(folds[2] as ScoredPair[])).toBeCloseTo(0.55, 12);
    expect(crossValidate(folds).folds[2]?.accuracy).toBe(0.5);
  });

  it('is all zeros for no folds', () => {
    expect(crossValidate([])).toEqual({ folds: [], meanAccuracy: 0, stdAccuracy: 0, overallThreshold: 0, pairs: 0 });
  });
});
