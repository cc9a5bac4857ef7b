import type { Embedding } from '../../domain/embedding';

/** A person as the search index knows them: their template (normalised mean of their embeddings). */
export interface IndexedIdentity {
  readonly id: string;
  readonly name: string | null;
  readonly template: Embedding;
  /** How many enrolled embeddings the template summarises (for the gallery gauges). */
  readonly embeddings: number;
}

export interface IdentityCandidate {
  readonly identityId: string;
  readonly name: string | null;
  /** Cosine similarity of the probe to the identity's template. */
  readonly similarity: number;
}

/**
 * In-memory 1:N search over the gallery's identities, rebuilt from the store
 * of record at start-up and kept current by its change feed. Scores are the
 * domain's identityScore (similarity to the template, adr/0005).
 */
export interface IdentityIndex {
  upsert(identity: IndexedIdentity): void;
  remove(identityId: string): boolean;
  get(identityId: string): IndexedIdentity | undefined;
  /** The k best identities for the probe, best first; ties by insertion order. */
  search(probe: Embedding, k: number): readonly IdentityCandidate[];
  /** search() for many probes at once (one batched pass where the adapter can). */
  searchMany(probes: readonly Embedding[], k: number): ReadonlyArray<readonly IdentityCandidate[]>;
  readonly size: { readonly identities: number; readonly embeddings: number };
  /** Brings what the adapter derives from the identities (a search graph) up to date now, instead of at the next search. */
  prepare?(): void;
}
