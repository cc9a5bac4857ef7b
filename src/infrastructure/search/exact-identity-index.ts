import type { Embedding } from '../../domain/embedding';
import { EmbeddingMismatchError } from '../../domain/errors';
import type { IdentityCandidate, IdentityIndex, IndexedIdentity } from '../../application/ports/identity-index';
import { TopKSelection } from './top-k-selection';
import { nearestRows } from './simd-kernel';

/** Rows the native kernel shortlists beyond k, so that re-ranking in double precision rarely needs a full scan. */
const SHORTLIST_MARGIN = 8;
/** Float32 dot products of 512-d unit vectors differ from double ones by far less than this. */
const ROUNDING_TOLERANCE = 1e-4;

export interface ExactIdentityIndexOptions {
  /** Embedding size; when omitted, the first identity upserted fixes it. */
  readonly dimensions?: number;
  /** Templates the first allocation holds before it doubles. */
  readonly initialCapacity?: number;
  /** 'simd' (default): usearch's kernel shortlists; 'scalar': the JavaScript scan alone (for comparison in bench search). */
  readonly kernel?: 'simd' | 'scalar';
}

/**
 * Exact 1:N search: every template, L2-normalised, in one contiguous
 * Float32Array (slot i at [i·d, (i+1)·d)), so a probe is scored against the
 * whole gallery by one linear pass over memory. The array doubles when full;
 * a removal moves the last slot into the hole, so the live slots stay dense.
 * Scores are cosine similarities (dot products of unit vectors), the domain's
 * identityScore; the top k are selected with a bounded heap, never a sort of
 * the gallery.
 */
export class ExactIdentityIndex implements IdentityIndex {
  private dimensionsFixed: number | null;
  /** Which scan scores the templates; settable so that bench search compares both on one array. */
  kernel: 'simd' | 'scalar';
  private capacity: number;
  private templates: Float32Array;
  private ids: string[] = [];
  private names: Array<string | null> = [];
  private embeddingCounts: number[] = [];
  /** Insertion sequence of each slot: ties rank in insertion order although removals reorder slots. */
  private sequences: number[] = [];
  private readonly slotOf = new Map<string, number>();
  private nextSequence = 0;
  private embeddingTotal = 0;

  constructor(options: ExactIdentityIndexOptions = {}) {
    this.dimensionsFixed = options.dimensions ?? null;
    this.kernel = options.kernel ?? 'simd';
    this.capacity = Math.max(1, options.initialCapacity ?? 16);
    this.templates = new Float32Array(this.dimensionsFixed === null ? 0 : this.capacity * this.dimensionsFixed);
  }

  /** The embedding size, once fixed (by the options or the first identity). */
  get dimensions(): number | null {
    return this.dimensionsFixed;
  }

  get size(): { readonly identities: number; readonly embeddings: number } {
    return { identities: this.ids.length, embeddings: this.embeddingTotal };
  }

  /** Bytes held by the template array (allocated capacity, not just live slots). */
  get templateBytes(): number {
    return this.templates.byteLength;
  }

  /** Adds the identity, or replaces its template, name and count in place (keeping its rank among ties). */
  upsert(identity: IndexedIdentity): void {
    const dimensions = this.fixDimensions(identity.template.length, identity.id);
    let slot = this.slotOf.get(identity.id);
    if (slot === undefined) {
      slot = this.ids.length;
      this.ensureCapacity(slot + 1, dimensions);
      this.ids.push(identity.id);
      this.names.push(identity.name);
      this.embeddingCounts.push(identity.embeddings);
      this.sequences.push(this.nextSequence);
      this.nextSequence += 1;
      this.slotOf.set(identity.id, slot);
    } else {
      this.embeddingTotal -= this.embeddingCounts[slot]!;
      this.names[slot] = identity.name;
      this.embeddingCounts[slot] = identity.embeddings;
    }
    this.embeddingTotal += identity.embeddings;
    writeNormalised(identity.template, this.templates, slot * dimensions);
  }

  remove(identityId: string): boolean {
    const slot = this.slotOf.get(identityId);
    if (slot === undefined) return false;
    const last = this.ids.length - 1;
    const dimensions = this.dimensionsFixed as number;
    this.embeddingTotal -= this.embeddingCounts[slot]!;
    if (slot !== last) {
      this.templates.copyWithin(slot * dimensions, last * dimensions, (last + 1) * dimensions);
      this.ids[slot] = this.ids[last]!;
      this.names[slot] = this.names[last]!;
      this.embeddingCounts[slot] = this.embeddingCounts[last]!;
      this.sequences[slot] = this.sequences[last]!;
      this.slotOf.set(this.ids[slot], slot);
    }
    this.ids.pop();
    this.names.pop();
    this.embeddingCounts.pop();
    this.sequences.pop();
    this.slotOf.delete(identityId);
    return true;
  }

  /** The identity as indexed: its template is a copy of the stored, normalised one. */
  get(identityId: string): IndexedIdentity | undefined {
    const slot = this.slotOf.get(identityId);
    if (slot === undefined) return undefined;
    const dimensions = this.dimensionsFixed as number;
    return {
      id: identityId,
      name: this.names[slot]!,
      template: this.templates.slice(slot * dimensions, (slot + 1) * dimensions),
      embeddings: this.embeddingCounts[slot]!,
    };
  }

  search(probe: Embedding, k: number): readonly IdentityCandidate[] {
    return this.searchMany([probe], k)[0]!;
  }

  /**
   * All probes in one native call: usearch's SIMD brute-force kernel reads the
   * live part of the template array in place (no copy, no graph) and keeps a
   * shortlist per probe; the shortlist is then re-scored here in double
   * precision and ranked with ties in insertion order. Where the shortlist's
   * edge comes within float rounding of the k-th score (near-ties), that probe
   * is ranked by a full scan instead, so the result is always the exact top k.
   */
  searchMany(probes: readonly Embedding[], k: number): ReadonlyArray<readonly IdentityCandidate[]> {
    const count = this.ids.length;
    const kept = Math.min(Math.max(0, Math.floor(k)), count);
    if (probes.length === 0) return [];
    probes.forEach((probe) => this.checkProbe(probe));
    if (this.dimensionsFixed === null || kept === 0) return probes.map(() => []);
    const dimensions = this.dimensionsFixed;
    const normalisedProbes = new Float32Array(probes.length * dimensions);
    probes.forEach((probe, p) => writeNormalised(probe, normalisedProbes, p * dimensions));
    if (this.kernel === 'scalar') return probes.map((_, p) => this.candidatesOf(this.scan(normalisedProbes, p * dimensions, kept)));
    const shortlistSize = Math.min(count, kept + SHORTLIST_MARGIN);
    const shortlists = nearestRows(this.templates.subarray(0, count * dimensions), normalisedProbes, dimensions, shortlistSize);
    return shortlists.map(({ rows, edgeScore }, p) => {
      const probeOffset = p * dimensions;
      const selection = new TopKSelection(kept);
      for (const slot of rows) selection.offer(dot(this.templates, slot * dimensions, normalisedProbes, probeOffset, dimensions), this.sequences[slot]!, slot);
      const ranked = selection.sorted();
      const complete = shortlistSize === count || edgeScore < ranked[kept - 1]!.score - ROUNDING_TOLERANCE;
      return this.candidatesOf(complete ? ranked : this.scan(normalisedProbes, probeOffset, kept));
    });
  }

  /**
   * Exact scores of the named identities only, best k first: how the
   * approximate tier re-ranks its graph's candidates. Unknown ids are skipped.
   */
  rescore(probe: Embedding, identityIds: Iterable<string>, k: number): IdentityCandidate[] {
    const dimensions = this.dimensionsFixed;
    if (dimensions === null) return [];
    const normalised = new Float32Array(dimensions);
    writeNormalised(this.checkProbe(probe), normalised, 0);
    const selection = new TopKSelection(Math.max(0, Math.floor(k)));
    for (const id of identityIds) {
      const slot = this.slotOf.get(id);
      if (slot !== undefined) selection.offer(dot(this.templates, slot * dimensions, normalised, 0, dimensions), this.sequences[slot]!, slot);
    }
    return this.candidatesOf(selection.sorted());
  }

  /** The probe checked against the index's size and L2-normalised. */
  normalisedProbe(probe: Embedding): Float32Array {
    const normalised = new Float32Array(probe.length);
    writeNormalised(this.checkProbe(probe), normalised, 0);
    return normalised;
  }

  /** The stored (normalised) template of an identity: a view into the array, valid until the next write. */
  templateView(identityId: string): Float32Array | undefined {
    const slot = this.slotOf.get(identityId);
    const dimensions = this.dimensionsFixed;
    return slot === undefined || dimensions === null ? undefined : this.templates.subarray(slot * dimensions, (slot + 1) * dimensions);
  }

  /** Every live template (a view into the array, valid until the next write) with its id. */
  *entries(): IterableIterator<{ readonly id: string; readonly template: Float32Array }> {
    const dimensions = this.dimensionsFixed;
    if (dimensions === null) return;
    for (let slot = 0; slot < this.ids.length; slot += 1) {
      yield { id: this.ids[slot]!, template: this.templates.subarray(slot * dimensions, (slot + 1) * dimensions) };
    }
  }

  /** Every template against one probe, in JavaScript: the reference the shortlist falls back to on near-ties. */
  private scan(probes: Float32Array, probeOffset: number, k: number): ReturnType<TopKSelection['sorted']> {
    const dimensions = this.dimensionsFixed as number;
    const selection = new TopKSelection(k);
    for (let slot = 0; slot < this.ids.length; slot += 1) {
      selection.offer(dot(this.templates, slot * dimensions, probes, probeOffset, dimensions), this.sequences[slot]!, slot);
    }
    return selection.sorted();
  }

  private candidatesOf(ranked: ReturnType<TopKSelection['sorted']>): IdentityCandidate[] {
    return ranked.map(({ score, slot }) => ({ identityId: this.ids[slot]!, name: this.names[slot]!, similarity: score }));
  }

  private checkProbe(probe: Embedding): Embedding {
    if (this.dimensionsFixed !== null && probe.length !== this.dimensionsFixed) {
      throw new EmbeddingMismatchError(`cannot search an index of ${this.dimensionsFixed}-d templates with a ${probe.length}-d probe`, {
        sizeA: this.dimensionsFixed,
        sizeB: probe.length,
      });
    }
    return probe;
  }

  private fixDimensions(length: number, identityId: string): number {
    if (this.dimensionsFixed === null) {
      this.dimensionsFixed = length;
      this.templates = new Float32Array(this.capacity * length);
    } else if (length !== this.dimensionsFixed) {
      throw new EmbeddingMismatchError(`cannot index a ${length}-d template in an index of ${this.dimensionsFixed}-d templates`, {
        sizeA: this.dimensionsFixed,
        sizeB: length,
        identityId,
      });
    }
    return this.dimensionsFixed;
  }

  private ensureCapacity(slots: number, dimensions: number): void {
    if (slots <= this.capacity) return;
    while (this.capacity < slots) this.capacity *= 2;
    const grown = new Float32Array(this.capacity * dimensions);
    grown.set(this.templates.subarray(0, this.ids.length * dimensions));
    this.templates = grown;
  }
}

/** Writes the unit-length copy of `vector` at `offset` (a zero vector stays zero, as l2Normalise does). */
function writeNormalised(vector: ArrayLike<number>, target: Float32Array, offset: number): void {
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i += 1) sumOfSquares += (vector[i] as number) ** 2;
  const scale = sumOfSquares === 0 ? 0 : 1 / Math.sqrt(sumOfSquares);
  for (let i = 0; i < vector.length; i += 1) target[offset + i] = (vector[i] as number) * scale;
}

/** Dot product of two rows; four accumulators let the CPU overlap the multiply-adds. */
function dot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    s0 += a[aOffset + i]! * b[bOffset + i]!;
    s1 += a[aOffset + i + 1]! * b[bOffset + i + 1]!;
    s2 += a[aOffset + i + 2]! * b[bOffset + i + 2]!;
    s3 += a[aOffset + i + 3]! * b[bOffset + i + 3]!;
  }
  for (; i < length; i += 1) s0 += a[aOffset + i]! * b[bOffset + i]!;
  return s0 + s1 + s2 + s3;
}
