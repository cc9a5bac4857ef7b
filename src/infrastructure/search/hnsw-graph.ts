import { Index, MetricKind, ScalarKind } from 'usearch';

/** How the HNSW graph is built and searched (usearch's names in brackets). */
export interface HnswSettings {
  /** Links per node (connectivity, HNSW's M). */
  readonly connectivity: number;
  /** Candidates explored while inserting (expansion_add, ef_construction). */
  readonly expansionAdd: number;
  /** Candidates explored per search (expansion_search, ef); the main recall ↔ latency knob. */
  readonly expansionSearch: number;
  /** Scalar type of the graph's own copy of the vectors; the exact tier re-scores from float32 anyway. */
  readonly quantization: 'f32' | 'f16' | 'i8';
  /** Threads for a bulk insertion (0: all cores); searches run on one thread. */
  readonly buildThreads: number;
}

const SCALARS = { f32: ScalarKind.F32, f16: ScalarKind.F16, i8: ScalarKind.I8 } as const;

/**
 * An approximate nearest-neighbour graph (usearch's HNSW, inner product on
 * unit vectors) keyed by identity id. It only proposes candidates: callers
 * re-score them exactly. Each write of an id gets a fresh numeric key, so a
 * replaced template never meets its old node.
 */
export class HnswGraph {
  private readonly index: Index;
  private readonly keyOf = new Map<string, number>();
  private readonly idOf = new Map<number, string>();
  private nextKey = 0;

  constructor(
    readonly dimensions: number,
    private readonly settings: HnswSettings,
  ) {
    this.index = new Index({
      dimensions,
      metric: MetricKind.IP,
      quantization: SCALARS[settings.quantization],
      connectivity: settings.connectivity,
      expansion_add: settings.expansionAdd,
      expansion_search: settings.expansionSearch,
      multi: false,
    });
  }

  get size(): number {
    return this.keyOf.size;
  }

  /** Inserts (or replaces) many unit vectors at once, on `buildThreads` threads; `vectors` is row-major. */
  putMany(ids: readonly string[], vectors: Float32Array): void {
    if (ids.length === 0) return;
    const keys = new BigUint64Array(ids.length);
    ids.forEach((id, i) => {
      this.remove(id);
      const key = this.nextKey;
      this.nextKey += 1;
      this.keyOf.set(id, key);
      this.idOf.set(key, id);
      keys[i] = BigInt(key);
    });
    this.index.add(keys, vectors, this.settings.buildThreads);
  }

  remove(id: string): void {
    const key = this.keyOf.get(id);
    if (key === undefined) return;
    this.index.remove(BigInt(key));
    this.keyOf.delete(id);
    this.idOf.delete(key);
  }

  /** The ids of up to `count` nearest nodes for each probe (row-major unit vectors), one thread. */
  nearest(probes: readonly Float32Array[], count: number): string[][] {
    if (probes.length === 0 || this.keyOf.size === 0 || count <= 0) return probes.map(() => []);
    const idsOf = (keys: BigUint64Array, from: number, found: number): string[] => {
      const ids: string[] = [];
      for (let i = from; i < from + found; i += 1) {
        const id = this.idOf.get(Number(keys[i]));
        if (id !== undefined) ids.push(id);
      }
      return ids;
    };
    if (probes.length === 1) {
      const matches = this.index.search(probes[0]!, count, 1);
      return [idsOf(matches.keys, 0, matches.keys.length)];
    }
    const batch = this.index.search([...probes], count, 1);
    return probes.map((_, p) => idsOf(batch.keys, p * count, Number(batch.counts[p])));
  }
}
