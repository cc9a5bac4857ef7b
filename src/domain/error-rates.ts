import { proportion, type Proportion } from './proportion';

/**
 * A comparison score, accepted when ≥ the threshold (as MATCH_THRESHOLD is
 * applied). null when no comparison could be made — a photo gave no usable
 * face — and then never accepted: a failure to acquire counts as a miss for a
 * genuine trial and as a correct rejection for an impostor one.
 */
export type Score = number | null;

/**
 * The scores of the two kinds of trial of a biometric test. Verification
 * (1:1): genuine = same-person pairs, impostor = different-person pairs.
 * Open-set identification (1:N): genuine = each mated search's score of its
 * mate when the mate is at rank 1 (null otherwise), impostor = each
 * non-mated search's top score — so that the false-negative rate is FNIR and
 * the false-positive rate FPIR (NIST FRVT 1:N).
 */
export interface TrialScores {
  readonly genuine: readonly Score[];
  readonly impostor: readonly Score[];
}

export interface OperatingPoint {
  readonly threshold: number;
  /** Impostor trials accepted (FAR, FPIR). */
  readonly falsePositive: Proportion;
  /** Genuine trials not accepted (FRR, FNIR). */
  readonly falseNegative: Proportion;
}

export interface TargetOperatingPoint extends OperatingPoint {
  /** The false-positive rate asked for; `falsePositive.rate` is what the sample allows (≤ target). */
  readonly target: number;
  /** Impostor trials the target allows to be accepted: ⌊target · impostors⌋. */
  readonly allowedFalsePositives: number;
}

const accepted = (score: Score, threshold: number): boolean => score !== null && score >= threshold;
const countAccepted = (scores: readonly Score[], threshold: number): number => scores.reduce<number>((n, s) => n + (accepted(s, threshold) ? 1 : 0), 0);

export function errorRatesAt(trials: TrialScores, threshold: number): OperatingPoint {
  const genuineAccepted = countAccepted(trials.genuine, threshold);
  return {
    threshold,
    falsePositive: proportion(countAccepted(trials.impostor, threshold), trials.impostor.length),
    falseNegative: proportion(trials.genuine.length - genuineAccepted, trials.genuine.length),
  };
}

/** The smallest double above `x`: a threshold that rejects a score of exactly `x` and nothing above it. */
export function nextAbove(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const value = new Float64Array([x]);
  const bits = new BigInt64Array(value.buffer);
  bits[0] = (bits[0] as bigint) + (x > 0 ? 1n : -1n);
  return value[0] as number;
}

/** How many of `total` trials a false-positive rate of `target` allows: the largest k with k / total ≤ target. */
export function allowedCount(target: number, total: number): number {
  const k = Math.floor(target * total);
  // target · total can land just below a whole number in floating point (0.29 · 100 = 28.999…).
  return (k + 1) / total <= target ? k + 1 : k;
}

/**
 * The lowest threshold whose false-positive rate does not exceed `target`: just
 * above the (k+1)-th highest impostor score, k = ⌊target · impostors⌋. Ties
 * at that score are all rejected, so the rate reached can be below k. With
 * n impostor trials the rate moves in steps of 1/n, and the threshold rests
 * on a single order statistic: at FAR 0.1 % of 3,000 pairs, on the 4th
 * highest impostor score.
 */
export function thresholdForFalsePositiveRate(impostor: readonly Score[], target: number): { threshold: number; allowed: number } {
  const allowed = allowedCount(target, impostor.length);
  const descending = impostor.filter((s): s is number => s !== null).sort((a, b) => b - a);
  const firstRejected = descending[allowed];
  // Fewer scored impostors than allowed: every threshold meets the target.
  return { threshold: firstRejected === undefined ? Number.NEGATIVE_INFINITY : nextAbove(firstRejected), allowed };
}

export function operatingPointAtFalsePositiveRate(trials: TrialScores, target: number): TargetOperatingPoint {
  const { threshold, allowed } = thresholdForFalsePositiveRate(trials.impostor, target);
  return { ...errorRatesAt(trials, threshold), target, allowedFalsePositives: allowed };
}

export interface DetPoint {
  readonly threshold: number;
  readonly falsePositiveRate: number;
  readonly falseNegativeRate: number;
}

const finiteAscending = (scores: readonly Score[]): number[] => scores.filter((s): s is number => s !== null).sort((a, b) => a - b);

/**
 * The detection error trade-off: one point per distinct score used as the
 * threshold (every decision the data can make), ascending, then one above
 * the highest score (nothing accepted). Empty when either kind of trial is
 * missing, as no rate can then be measured.
 */
export function detCurve(trials: TrialScores): DetPoint[] {
  const genuineTotal = trials.genuine.length;
  const impostorTotal = trials.impostor.length;
  if (genuineTotal === 0 || impostorTotal === 0) return [];
  const genuine = finiteAscending(trials.genuine);
  const impostor = finiteAscending(trials.impostor);
  const unscoredGenuine = genuineTotal - genuine.length;
  const thresholds = [...new Set([...genuine, ...impostor])].sort((a, b) => a - b);
  thresholds.push(thresholds.length === 0 ? 0 : nextAbove(thresholds[thresholds.length - 1] as number));
  const points: DetPoint[] = [];
  let genuineBelow = 0;
  let impostorBelow = 0;
  for (const threshold of thresholds) {
    while (genuineBelow < genuine.length && (genuine[genuineBelow] as number) < threshold) genuineBelow += 1;
    while (impostorBelow < impostor.length && (impostor[impostorBelow] as number) < threshold) impostorBelow += 1;
    points.push({
      threshold,
      falsePositiveRate: (impostor.length - impostorBelow) / impostorTotal,
      falseNegativeRate: (unscoredGenuine + genuineBelow) / genuineTotal,
    });
  }
  return points;
}
