/**
 * A seeded pseudo-random generator (sfc32, its state filled by splitmix32):
 * the same seed gives the same sequence on every platform and Node version,
 * which `Math.random` cannot promise. Generated data sets use it so that a
 * seed names one exact data set.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix32();
    this.b = splitmix32();
    this.c = splitmix32();
    this.d = splitmix32();
    // The first outputs of sfc32 are still close to the seed's bits: discard them, as its author recommends.
    for (let i = 0; i < 12; i += 1) this.nextUint32();
  }

  /**
   * An independent stream named by `labels` under `seed` (e.g. seed 1,
   * 'frame', 7, 'background'): each part of a data set draws from its own
   * stream, so changing how one part is drawn does not shift the others.
   */
  static derive(seed: number, ...labels: ReadonlyArray<string | number>): SeededRandom {
    // FNV-1a over the seed and the labels, separated so that ('ab', 1) and ('a', 'b1') differ.
    let hash = 0x811c9dc5;
    for (const char of `${seed >>> 0}\u0000${labels.join('\u0000')}`) {
      hash = Math.imul(hash ^ (char.codePointAt(0) as number), 0x01000193) >>> 0;
    }
    return new SeededRandom(hash);
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A whole number from `min` to `max`, both included. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A standard normal deviate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next(); // in (0, 1]: the logarithm stays finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}
