import { SeededRandom } from '../../../src/domain/seeded-random';

const draw = (random: SeededRandom, count: number): number[] => Array.from({ length: count }, () => random.nextUint32());

describe('SeededRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    expect(draw(new SeededRandom(42), 20)).toEqual(draw(new SeededRandom(42), 20));
    expect(draw(new SeededRandom(42), 20)).not.toEqual(draw(new SeededRandom(43), 20));
  });

  it('keeps its sequence across versions: a seed names one generated data set', () => {
    // Pinned when the generator was written; if this changes, every generated scene set changes with it.
    expect(draw(new SeededRandom(1), 4)).toEqual([1828152527, 3394835397, 2967886022, 2251045104]);
  });

  it('draws uniform numbers in [0, 1) with the expected mean and spread', () => {
    const random = new SeededRandom(7);
    const values = Array.from({ length: 20000 }, () => random.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeCloseTo(0.5, 2);
    const deciles = new Array<number>(10).fill(0);
    for (const v of values) deciles[Math.floor(v * 10)]! += 1;
    for (const count of deciles) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it('draws within [min, max) and whole numbers with both ends included', () => {
    const random = new SeededRandom(3);
    const reals = Array.from({ length: 2000 }, () => random.between(-2, 5));
    expect(Math.min(...reals)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...reals)).toBeLessThan(5);
    const whole = Array.from({ length: 2000 }, () => random.integer(3, 6));
    expect([...new Set(whole)].sort()).toEqual([3, 4, 5, 6]);
  });

  it('answers chance(0) always false and chance(1) always true', () => {
    const random = new SeededRandom(5);
    const draws = Array.from({ length: 500 }, () => [random.chance(0), random.chance(1)]);
    expect(draws.every(([never, always]) => !never && always)).toBe(true);
    const half = Array.from({ length: 4000 }, () => random.chance(0.5)).filter(Boolean).length;
    expect(Math.abs(half - 2000)).toBeLessThan(150);
  });

  it('draws standard normal deviates', () => {
    const random = new SeededRandom(11);
    const values = Array.from({ length: 20000 }, () => random.normal());
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.03);
    expect(values.every(Number.isFinite)).toBe(true);
  });

  it('picks every item of a list in time and refuses an empty list', () => {
    const random = new SeededRandom(9);
    const picked = new Set(Array.from({ length: 200 }, () => random.pick(['a', 'b', 'c'])));
    expect([...picked].sort()).toEqual(['a', 'b', 'c']);
    expect(() => random.pick([])).toThrow(RangeError);
  });

  it('shuffles into a permutation without touching its input', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new SeededRandom(13).shuffle(items);
    expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(new SeededRandom(13).shuffle(items)).toEqual(shuffled);
  });

  it('derives independent, reproducible streams from a seed and labels', () => {
    const a = draw(SeededRandom.derive(1, 'frame', 7, 'background'), 8);
    expect(draw(SeededRandom.derive(1, 'frame', 7, 'background'), 8)).toEqual(a);
    expect(draw(SeededRandom.derive(1, 'frame', 7, 'lighting'), 8)).not.toEqual(a);
    expect(draw(SeededRandom.derive(2, 'frame', 7, 'background'), 8)).not.toEqual(a);
    // Labels are separated: ('ab', 1) is not ('a', 'b1').
    expect(draw(SeededRandom.derive(1, 'ab', 1), 8)).not.toEqual(draw(SeededRandom.derive(1, 'a', 'b1'), 8));
  });
});
