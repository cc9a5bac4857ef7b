import { cosineSimilarity, fuseEmbeddings, l2Normalise } from '../../../src/domain/embedding';
import { EmbeddingMismatchError } from '../../../src/domain/errors';

const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe('l2Normalise', () => {
  it('returns a unit-length Float32Array in the same direction', () => {
    const result = l2Normalise([3, 4]);
    expect(result).toBeInstanceOf(Float32Array);
    expect(Array.from(result)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(norm(l2Normalise([1, -2, 3, -4, 5]))).toBeCloseTo(1, 6);
  });

  it('returns a copy and leaves its input untouched', () => {
    const input = new Float32Array([2, 0, 0]);
    const result = l2Normalise(input);
    expect(result).not.toBe(input);
    expect(Array.from(input)).toEqual([2, 0, 0]);
    expect(Array.from(result)).toEqual([1, 0, 0]);
  });

  it('keeps a zero vector zero instead of producing NaN', () => {
    expect(Array.from(l2Normalise([0, 0, 0]))).toEqual([0, 0, 0]);
    expect(l2Normalise([])).toHaveLength(0);
  });
});

describe('cosineSimilarity', () => {
  it('is 1 for parallel, -1 for opposite and 0 for orthogonal vectors', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 2, 3], [-1, -2, -3])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([1, 0], [0, 5])).toBe(0);
  });

  it('normalises its inputs itself', () => {
    // cos 45° whatever the lengths.
    expect(cosineSimilarity([10, 0], [0.5, 0.5])).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('is 0 when either vector is zero', () => {
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(cosineSimilarity([1, 1], [0, 0])).toBe(0);
  });

  it('rejects embeddings of different sizes with a typed error carrying both sizes', () => {
    let caught: unknown;
    try {
      cosineSimilarity(new Float32Array(512), new Float32Array(128));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EmbeddingMismatchError);
    expect((caught as EmbeddingMismatchError).code).toBe('embedding_mismatch');
    expect((caught as EmbeddingMismatchError).message).toBe('cannot compare embeddings of size 512 and 128');
    expect((caught as EmbeddingMismatchError).context).toEqual({ sizeA: 512, sizeB: 128 });
  });
});

describe('fuseEmbeddings', () => {
  it('sums the vectors and normalises the sum', () => {
    const fused = fuseEmbeddings([
      [1, 0],
      [0, 1],
    ]);
    expect(fused[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(fused[1]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('weights vectors by their length (raw embeddings, not normalised ones)', () => {
    const fused = fuseEmbeddings([
      [3, 0],
      [0, 1],
    ]);
    expect(fused[0]).toBeCloseTo(3 / Math.sqrt(10), 6);
    expect(fused[1]).toBeCloseTo(1 / Math.sqrt(10), 6);
  });

  it('of one vector is that vector normalised', () => {
    expect(Array.from(fuseEmbeddings([[0, 0, 7]]))).toEqual([0, 0, 1]);
  });

  it('of nothing is an empty embedding', () => {
    expect(fuseEmbeddings([])).toHaveLength(0);
  });

  it('rejects vectors of different sizes', () => {
    const call = (): unknown => fuseEmbeddings([[1, 2, 3], [1, 2]]);
    expect(call).toThrow(EmbeddingMismatchError);
    expect(call).toThrow('cannot fuse embeddings of size 3 and 2');
  });
});
