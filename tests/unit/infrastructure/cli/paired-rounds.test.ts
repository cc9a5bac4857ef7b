import { describeRatio, describeSpread, MIN_ROUNDS_FOR_RATIO_CI, ratioOfTotals, rotated, signedMs, signedPercent, spreadOf } from '../../../../src/infrastructure/cli/paired-rounds';

describe('paired rounds', () => {
  it('rotates the order each round so every configuration takes every position', () => {
    const orders = [1, 2, 3, 4].map((round) => rotated(['A', 'B', 'C'], round).join(''));
    expect(orders).toEqual(['ABC', 'BCA', 'CAB', 'ABC']);
  });

  it('gives median, quartiles and an order-statistics 95% interval of the median', () => {
    const values = Array.from({ length: 25 }, (_, i) => 1 + (i - 12) / 100);
    const spread = spreadOf([...values].reverse());
    expect(spread.n).toBe(25);
    expect(spread.median).toBeCloseTo(1, 10);
    expect(spread.q1).toBeCloseTo(0.94, 10);
    expect(spread.q3).toBeCloseTo(1.06, 10);
    // n = 25: ranks 8 and 18 (1-based), the textbook interval (coverage 95.7 %).
    expect(spread.ci95?.[0]).toBeCloseTo(0.95, 10);
    expect(spread.ci95?.[1]).toBeCloseTo(1.05, 10);
  });

  it('gives no interval for fewer than six rounds', () => {
    expect(spreadOf([1, 2, 3, 4, 5]).ci95).toBeUndefined();
    expect(spreadOf([1, 2, 3, 4, 5, 6]).ci95).toEqual([1, 6]);
    // Large n stays finite (2^-n underflows a double beyond n = 1074).
    const many = spreadOf(Array.from({ length: 2000 }, (_, i) => i));
    expect(many.ci95?.[0]).toBeGreaterThan(900);
    expect(many.ci95?.[1]).toBeLessThan(1100);
  });

  it('writes ratios as signed percentage changes', () => {
    expect(signedPercent(0.965)).toBe('-3.5%');
    expect(signedPercent(1.012)).toBe('+1.2%');
    expect(signedPercent(1)).toBe('+0.0%');
    expect(signedPercent(0.99996)).toBe('-0.0%');
    expect(describeSpread(spreadOf([0.99, 1, 1.01]))).toBe('median +0.0% (IQR -0.5%..+0.5%, too few rounds for a 95% CI)');
    expect(describeSpread(spreadOf([0.1, 0.2, 0.4, 0.5, 0.7, 0.8]), signedMs)).toBe('median +0.45 ms (IQR +0.25 ms..+0.65 ms, 95% CI +0.10 ms..+0.80 ms)');
  });

  it('gives the whole-run throughput ratio as Σ base seconds / Σ other seconds', () => {
    // Other takes 2 % longer in every round, on top of a drift that pairing cancels.
    const base = Array.from({ length: 40 }, (_, i) => 0.2 + (i % 7) * 0.01);
    const other = base.map((s) => s * 1.02);
    const { ratio, ci95, n } = ratioOfTotals(base, other);
    expect(n).toBe(40);
    expect(ratio).toBeCloseTo(1 / 1.02, 12);
    // No round-to-round variation of the paired difference: the interval collapses to the ratio.
    expect(ci95?.[0]).toBeCloseTo(1 / 1.02, 12);
    expect(ci95?.[1]).toBeCloseTo(1 / 1.02, 12);
    expect(describeRatio({ ratio, ci95, n })).toBe('-2.0% (95% CI -2.0%..-2.0%)');
  });

  it('widens the interval with the spread of the paired differences, by 1/√n', () => {
    // Paired differences of ±1 % of a 0.2 s round, alternating: standard error 0.2·0.01/√n relative to 0.2 s.
    const interval = (n: number): readonly [number, number] => {
      const base = Array.from({ length: n }, () => 0.2);
      const other = base.map((s, i) => s * (i % 2 === 0 ? 1.01 : 0.99));
      const result = ratioOfTotals(base, other);
      expect(result.ratio).toBeCloseTo(1, 12);
      return result.ci95 as readonly [number, number];
    };
    const [low100, high100] = interval(100);
    const [low400, high400] = interval(400);
    expect(high100 - 1).toBeCloseTo(1 - low100, 12);
    expect(high100 - 1).toBeCloseTo(1.959964 * 0.01 * Math.sqrt(100 / 99) / Math.sqrt(100), 6);
    expect((high100 - low100) / (high400 - low400)).toBeCloseTo(Math.sqrt(400 / 100) * Math.sqrt((100 / 99) / (400 / 399)), 6);
  });

  it('gives no whole-run interval below the rounds the normal approximation needs', () => {
    const few = Array.from({ length: MIN_ROUNDS_FOR_RATIO_CI - 1 }, () => 1);
    expect(ratioOfTotals(few, few).ci95).toBeUndefined();
    expect(describeRatio(ratioOfTotals([1, 1], [1.25, 1.25]))).toBe('-20.0% (too few rounds for a 95% CI)');
  });
});
