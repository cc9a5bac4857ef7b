import type { Embedding } from '../../domain/embedding';
import type { IdentityCandidate, IdentityIndex, IndexedIdentity } from '../../application/ports/identity-index';
import { ExactIdentityIndex } from './exact-identity-index';
import { HnswGraph, type HnswSettings } from './hnsw-graph';

export interface TieredIdentityIndexOptions {
  /** Identities from which searches go through the HNSW graph (GALLERY_ANN_THRESHOLD); below it every search is exact. */
  readonly annThreshold: number;
  /** Graph candidates re-scored exactly per probe (at least k); also the search's breadth (usearch explores max(ef, count)). */
  readonly shortlist: number;
  readonly hnsw: HnswSettings;
}

/** Defaults chosen with `facerec bench search` (adr/0007-identity-search.md). */
/** Measured in adr/0007: an i8 graph builds 3–4× faster than f32 and, its shortlist re-scored in f32, kept recall@1 ≥ 99.75 % at 1M. */
export const DEFAULT_HNSW: HnswSettings = { connectivity: 16, expansionAdd: 64, expansionSearch: 16, quantization: 'i8', buildThreads: 0 };
export const DEFAULT_SHORTLIST = 256;

/**
 * Exact search while the gallery is small; above `annThreshold` identities an
 * HNSW graph proposes a shortlist per probe, and the shortlist is re-scored
 * exactly from the contiguous template array, so the similarities and the
 * ranking within it are exact. The templates always live in the exact tier;
 * the graph is derived: writes reach it lazily, in one multi-threaded batch
 * at the next search (a gallery loaded at start-up is inserted in bulk), and
 * it is dropped when the gallery shrinks below half the threshold (the
 * hysteresis keeps a gallery near the threshold from rebuilding it again and again).
 */
export class TieredIdentityIndex implements IdentityIndex {
  private readonly exact: ExactIdentityIndex;
  private graph: HnswGraph | null = null;
  /** Ids written since the graph last caught up (not yet in it, or in it with an old template). */
  private readonly pending = new Set<string>();
  /** Graph candidates re-scored per probe; settable so that one built graph can be measured at several breadths. */
  shortlist: number;

  constructor(
    private readonly options: TieredIdentityIndexOptions,
    exact: ExactIdentityIndex = new ExactIdentityIndex(),
  ) {
    if (!Number.isInteger(options.annThreshold) || options.annThreshold < 1) throw new RangeError(`annThreshold must be a positive integer, not ${options.annThreshold}`);
    this.exact = exact;
    this.shortlist = options.shortlist;
  }

  get size(): { readonly identities: number; readonly embeddings: number } {
    return this.exact.size;
  }

  /** Whether searches currently go through the graph (after the next search's catch-up). */
  get approximate(): boolean {
    return this.exact.size.identities >= this.options.annThreshold || this.graph !== null;
  }

  upsert(identity: IndexedIdentity): void {
    this.exact.upsert(identity);
    if (this.graph !== null) this.pending.add(identity.id);
  }

  remove(identityId: string): boolean {
    const removed = this.exact.remove(identityId);
    this.pending.delete(identityId);
    this.graph?.remove(identityId);
    if (this.graph !== null && this.exact.size.identities < this.options.annThreshold / 2) this.graph = null;
    return removed;
  }

  get(identityId: string): IndexedIdentity | undefined {
    return this.exact.get(identityId);
  }

  /** Identities in the graph (0 while there is none); it catches up with writes at the next search or prepare(). */
  get graphSize(): number {
    return this.graph?.size ?? 0;
  }

  /** Builds or updates the graph now (after the gallery load), so that the first search after it does not wait for the build. */
  prepare(): void {
    this.catchUp();
  }

  search(probe: Embedding, k: number): readonly IdentityCandidate[] {
    return this.searchMany([probe], k)[0]!;
  }

  searchMany(probes: readonly Embedding[], k: number): ReadonlyArray<readonly IdentityCandidate[]> {
    const graph = this.catchUp();
    if (graph === null) return this.exact.searchMany(probes, k);
    const kept = Math.max(0, Math.floor(k));
    // The exact tier checks the probes' size and normalises them; the graph needs unit vectors too.
    const unitProbes = probes.map((probe) => this.exact.normalisedProbe(probe));
    const shortlists = graph.nearest(unitProbes, Math.max(kept, this.shortlist));
    return shortlists.map((ids, p) => this.exact.rescore(unitProbes[p]!, ids, kept));
  }

  /** Brings the graph up to date with the writes since the last search; null while the gallery is below the threshold. */
  private catchUp(): HnswGraph | null {
    if (this.graph === null) {
      const dimensions = this.exact.dimensions;
      if (this.exact.size.identities < this.options.annThreshold || dimensions === null) return null;
      this.graph = new HnswGraph(dimensions, this.options.hnsw);
      this.insert([...this.exact.entries()].map((e) => e.id));
    } else if (this.pending.size > 0) {
      this.insert([...this.pending]);
      this.pending.clear();
    }
    return this.graph;
  }

  private insert(ids: readonly string[]): void {
    const graph = this.graph as HnswGraph;
    const dimensions = graph.dimensions;
    const vectors = new Float32Array(ids.length * dimensions);
    ids.forEach((id, i) => vectors.set(this.exact.templateView(id) as Float32Array, i * dimensions));
    graph.putMany(ids, vectors);
  }
}
