import { proportion, wilsonInterval, Z_95 } from '../../../src/domain/proportion';

describe('wilsonInterval', () => {
  it('matches published 95 % Wilson intervals', () => {
    // Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605.
    const a = wilsonInterval(81, 263);
    expect(a.lower).toBeCloseTo(0.2553, 4);
    expect(a.upper).toBeCloseTo(0.3662, 4);
    const b = wilsonInterval(15, 148);
    expect(b.lower).toBeCloseTo(0.0624, 4);
    expect(b.upper).toBeCloseTo(0.1605, 4);
  });

  it('starts at exactly 0 for no successes and still allows a small rate', () => {
    const none = wilsonInterval(0, 3000);
    expect(none.lower).toBe(0);
    // z² / (n + z²): 0 of 3000 is compatible with up to 0.128 %.
    expect(none.upper).toBeCloseTo((Z_95 * Z_95) / (3000 + Z_95 * Z_95), 12);
  });

  it('ends at exactly 1 when every trial succeeds', () => {
    const all = wilsonInterval(40, 40);
    expect(all.upper).toBe(1);
    expect(all.lower).toBeCloseTo(40 / (40 + Z_95 * Z_95), 12);
  });

  it('is symmetric around one half and narrows with the sample', () => {
    const small = wilsonInterval(5, 10);
    expect(small.lower + small.upper).toBeCloseTo(1, 12);
    const large = wilsonInterval(500, 1000);
    expect(large.upper - large.lower).toBeLessThan(small.upper - small.lower);
  });

  it('takes another confidence level through z', () => {
    const narrower = wilsonInterval(10, 100, 1);
    const wider = wilsonInterval(10, 100);
    expect(narrower.lower).toBeGreaterThan(wider.lower);
    expect(narrower.upper).toBeLessThan(wider.upper);
  });

  it('says nothing ([0, 1]) about an empty sample', () => {
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
  });
});

describe('proportion', () => {
  it('carries the count, the total, the rate and the interval', () => {
    expect(proportion(3, 12)).toEqual({ count: 3, total: 12, rate: 0.25, ...wilsonInterval(3, 12) });
  });

  it('has no rate (NaN) for an empty sample', () => {
    const empty = proportion(0, 0);
    expect(empty.rate).toBeNaN();
    expect(empty).toMatchObject({ count: 0, total: 0, lower: 0, upper: 1 });
  });
});
