import { exactSearch, MetricKind } from 'usearch';

export interface Shortlist {
  /** Row numbers of the nearest rows. */
  readonly rows: readonly number[];
  /** The float32 inner product of the last shortlisted row: no row left out scores above it. */
  readonly edgeScore: number;
}

/**
 * The `size` rows of `matrix` (row-major, `dimensions` wide) with the highest
 * inner product with each probe, by usearch's SIMD brute-force kernel on one
 * thread (the inference workers have the other cores). The kernel reads both
 * arrays in place. Measured against a scalar JavaScript loop in adr/0007.
 */
export function nearestRows(matrix: Float32Array, probes: Float32Array, dimensions: number, size: number): Shortlist[] {
  const probeCount = probes.length / dimensions;
  const found = exactSearch(matrix, probes, dimensions, size, MetricKind.IP, 1);
  const shortlists: Shortlist[] = [];
  for (let p = 0; p < probeCount; p += 1) {
    const rows: number[] = [];
    let edgeScore = Infinity;
    for (let i = 0; i < size; i += 1) {
      rows.push(Number(found.keys[p * size + i]));
      // usearch's inner-product distance is 1 − ⟨a, b⟩; the minimum, not the last, so no order is assumed.
      edgeScore = Math.min(edgeScore, 1 - found.distances[p * size + i]!);
    }
    shortlists.push({ rows, edgeScore });
  }
  return shortlists;
}
