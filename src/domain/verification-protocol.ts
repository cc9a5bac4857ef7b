/** One scored pair of a verification benchmark. */
export interface ScoredPair {
  readonly similarity: number;
  readonly same: boolean;
}

export interface FoldResult {
  readonly threshold: number;
  readonly accuracy: number;
  readonly pairs: number;
}

export interface CrossValidationResult {
  readonly folds: readonly FoldResult[];
  readonly meanAccuracy: number;
  readonly stdAccuracy: number;
  /** Threshold that maximises accuracy over all pairs, for use as the service default. */
  readonly overallThreshold: number;
  readonly pairs: number;
}

export function accuracyAt(pairs: readonly ScoredPair[], threshold: number): number {
  if (pairs.length === 0) return 0;
  const correct = pairs.filter((p) => (p.similarity >= threshold) === p.same).length;
  return correct / pairs.length;
}

/**
 * The threshold with the highest accuracy on `pairs`. Candidates are the
 * midpoints between consecutive distinct scores (every distinct decision is
 * among them); ties go to the lowest such threshold.
 */
export function bestThreshold(pairs: readonly ScoredPair[]): number {
  const scores = [...new Set(pairs.map((p) => p.similarity))].sort((a, b) => a - b);
  if (scores.length === 0) return 0;
  const candidates = [(scores[0] as number) - 1e-6];
  for (let i = 1; i < scores.length; i += 1) candidates.push(((scores[i - 1] as number) + (scores[i] as number)) / 2);
  candidates.push((scores[scores.length - 1] as number) + 1e-6);
  let best = candidates[0] as number;
  let bestAccuracy = -1;
  for (const candidate of candidates) {
    const accuracy = accuracyAt(pairs, candidate);
    if (accuracy > bestAccuracy) {
      bestAccuracy = accuracy;
      best = candidate;
    }
  }
  return best;
}

/**
 * k-fold protocol of LFW "View 2": for each fold, the threshold is chosen on
 * the other folds and applied to the held-out one.
 */
export function crossValidate(folds: readonly (readonly ScoredPair[])[]): CrossValidationResult {
  const results = folds.map((heldOut, index) => {
    const training = folds.filter((_, i) => i !== index).flat();
    const threshold = bestThreshold(training);
    return { threshold, accuracy: accuracyAt(heldOut, threshold), pairs: heldOut.length };
  });
  const accuracies = results.map((r) => r.accuracy);
  const meanAccuracy = accuracies.reduce((s, a) => s + a, 0) / Math.max(1, accuracies.length);
  const variance = accuracies.reduce((s, a) => s + (a - meanAccuracy) ** 2, 0) / Math.max(1, accuracies.length);
  return {
    folds: results,
    meanAccuracy,
    stdAccuracy: Math.sqrt(variance),
    overallThreshold: bestThreshold(folds.flat()),
    pairs: folds.reduce((s, f) => s + f.length, 0),
  };
}
