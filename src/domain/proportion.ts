/**
 * A counted proportion (k of n) with its Wilson score interval. Error rates
 * measured on a few thousand trials are proportions of small counts: the
 * interval says how far the true rate may be from the measured one.
 */
export interface Proportion {
  readonly count: number;
  readonly total: number;
  /** count / total; NaN when total is 0 (nothing was measured). */
  readonly rate: number;
  /** Wilson score interval at 95 % ([0, 1] when total is 0). */
  readonly lower: number;
  readonly upper: number;
}

/** Two-sided 95 % standard normal quantile. */
export const Z_95 = 1.959963984540054;

/**
 * The Wilson score interval of k successes in n trials: unlike the normal
 * approximation it stays inside [0, 1] and is not empty at k = 0 (0 of 3000
 * still allows a true rate of up to 0.13 %).
 */
export function wilsonInterval(count: number, total: number, z: number = Z_95): { lower: number; upper: number } {
  if (total === 0) return { lower: 0, upper: 1 };
  const p = count / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  // Clamp rounding noise: at k = 0 the lower bound is 0 exactly, at k = n the upper is 1.
  return { lower: count === 0 ? 0 : Math.max(0, centre - halfWidth), upper: count === total ? 1 : Math.min(1, centre + halfWidth) };
}

export function proportion(count: number, total: number): Proportion {
  return { count, total, rate: total === 0 ? Number.NaN : count / total, ...wilsonInterval(count, total) };
}
