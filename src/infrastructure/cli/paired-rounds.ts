import { percentile } from '../telemetry/stage-timings';

/**
 * The statistics of an interleaved benchmark: configurations run one after
 * the other within a round, the order rotated each round, and each round
 * compared with itself (paired ratios), so that machine noise slower than a
 * round — another process, thermal or frequency changes — cancels out.
 */

/** Round `round` (1-based) runs the configurations rotated by `round - 1`: ABC, BCA, CAB, ABC, … */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = (((round - 1) % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export interface Spread {
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  /**
   * Distribution-free 95 % confidence interval of the median: the order
   * statistics x(j) and x(n-j+1) with P(Binomial(n, ½) < j) ≤ 2.5 %.
   * Undefined below 6 values, where even [min, max] covers less than 95 %.
   */
  readonly ci95: readonly [number, number] | undefined;
  readonly n: number;
}

/** The 1-based rank j of the lower bound of the 95 % interval of the median of n values, or 0 when there is none. */
function lowerMedianRank(n: number): number {
  // Binomial(n, ½) probabilities from k = 0 upwards, in logs so that large n does not underflow.
  let logP = -n * Math.LN2;
  let cdf = 0;
  let rank = 0;
  for (let k = 0; k < n; k += 1) {
    cdf += Math.exp(logP);
    if (cdf > 0.025) break;
    rank = k + 1;
    logP += Math.log((n - k) / (k + 1));
  }
  return rank;
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const j = lowerMedianRank(n);
  const ci95 = j === 0 ? undefined : ([sorted[j - 1] as number, sorted[n - j] as number] as const);
  return { median: percentile(sorted, 50), q1: percentile(sorted, 25), q3: percentile(sorted, 75), ci95, n };
}

/** A ratio as a signed percentage change: 0.965 → "-3.5%". */
export const signedPercent = (ratio: number, digits = 1): string => {
  const value = (ratio - 1) * 100;
  const text = value.toFixed(digits);
  return `${value >= 0 && !text.startsWith('-') ? '+' : ''}${text}%`;
};

/** Milliseconds with a sign: 0.123 → "+0.12 ms". */
export const signedMs = (ms: number): string => `${ms >= 0 ? '+' : ''}${ms.toFixed(2)} ms`;

/** "median -1.2% (IQR -2.0%..-0.3%, 95% CI -1.8%..-0.5%)", each value written by `format`. */
export function describeSpread(spread: Spread, format: (value: number) => string = (ratio) => signedPercent(ratio)): string {
  const ci = spread.ci95 === undefined ? 'too few rounds for a 95% CI' : `95% CI ${format(spread.ci95[0])}..${format(spread.ci95[1])}`;
  return `median ${format(spread.median)} (IQR ${format(spread.q1)}..${format(spread.q3)}, ${ci})`;
}

/**
 * Throughput over the whole run relative to the baseline: Σ base seconds / Σ other seconds
 * (rounds process the same frames under both, so this is the ratio of their frames/s over
 * all rounds). Its 95 % interval comes from the round-to-round variation of the paired
 * differences (delta method for a ratio of means), which is what pairing buys: noise slower
 * than a round cancels in `base[i] - ratio × other[i]`.
 */
export interface RatioOfTotals {
  readonly ratio: number;
  readonly ci95: readonly [number, number] | undefined;
  readonly n: number;
}

const Z_95 = 1.959964;
/** Below this many rounds the normal approximation behind the interval is not trusted, and none is given. */
export const MIN_ROUNDS_FOR_RATIO_CI = 30;

export function ratioOfTotals(baseSeconds: readonly number[], otherSeconds: readonly number[]): RatioOfTotals {
  const n = Math.min(baseSeconds.length, otherSeconds.length);
  const mean = (values: readonly number[]): number => values.slice(0, n).reduce((s, v) => s + v, 0) / n;
  const meanBase = mean(baseSeconds);
  const meanOther = mean(otherSeconds);
  const ratio = meanBase / meanOther;
  if (n < MIN_ROUNDS_FOR_RATIO_CI) return { ratio, ci95: undefined, n };
  let sumOfSquares = 0;
  for (let i = 0; i < n; i += 1) {
    const residual = (baseSeconds[i] as number) - ratio * (otherSeconds[i] as number);
    sumOfSquares += residual * residual;
  }
  const standardError = Math.sqrt(sumOfSquares / (n - 1) / n) / meanOther;
  return { ratio, ci95: [ratio - Z_95 * standardError, ratio + Z_95 * standardError], n };
}

/** "-0.3% (95% CI -0.7%..+0.1%)" */
export function describeRatio(value: RatioOfTotals): string {
  const ci = value.ci95 === undefined ? 'too few rounds for a 95% CI' : `95% CI ${signedPercent(value.ci95[0])}..${signedPercent(value.ci95[1])}`;
  return `${signedPercent(value.ratio)} (${ci})`;
}
