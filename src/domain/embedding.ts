import { EmbeddingMismatchError } from './errors';

/** An identity embedding, L2-normalised so that a dot product is a cosine similarity. */
export type Embedding = Float32Array;

/** Returns a unit-length copy; a zero vector stays zero rather than becoming NaN. */
export function l2Normalise(vector: ArrayLike<number>): Embedding {
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i += 1) sumOfSquares += (vector[i] as number) ** 2;
  const norm = Math.sqrt(sumOfSquares);
  const result = new Float32Array(vector.length);
  if (norm === 0) return result;
  for (let i = 0; i < vector.length; i += 1) result[i] = (vector[i] as number) / norm;
  return result;
}

/** Cosine similarity of two embeddings in [-1, 1]; both are normalised here, so callers need not. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new EmbeddingMismatchError(`cannot compare embeddings of size ${a.length} and ${b.length}`, {
      sizeA: a.length,
      sizeB: b.length,
    });
  }
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  const denominator = Math.sqrt(normA) * Math.sqrt(normB);
  return denominator === 0 ? 0 : dot / denominator;
}

/** Sum of several raw embeddings of the same face (e.g. original + mirrored crop), normalised. */
export function fuseEmbeddings(vectors: readonly ArrayLike<number>[]): Embedding {
  const size = vectors[0]?.length ?? 0;
  const sum = new Float32Array(size);
  for (const vector of vectors) {
    if (vector.length !== size) {
      throw new EmbeddingMismatchError(`cannot fuse embeddings of size ${size} and ${vector.length}`, {
        sizeA: size,
        sizeB: vector.length,
      });
    }
    for (let i = 0; i < size; i += 1) sum[i] = (sum[i] as number) + (vector[i] as number);
  }
  return l2Normalise(sum);
}
