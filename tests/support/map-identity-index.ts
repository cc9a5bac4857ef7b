import type { IdentityCandidate, IdentityIndex, IndexedIdentity } from '../../src/application/ports/identity-index';
import { cosineSimilarity, type Embedding } from '../../src/domain/embedding';

/**
 * A minimal exact IdentityIndex for tests of what feeds an index (the
 * service's own index lives in src/infrastructure/search): a Map of
 * identities, scored by cosine similarity to their template.
 */
export class MapIdentityIndex implements IdentityIndex {
  readonly identities = new Map<string, IndexedIdentity>();

  upsert(identity: IndexedIdentity): void {
    this.identities.set(identity.id, identity);
  }

  remove(identityId: string): boolean {
    return this.identities.delete(identityId);
  }

  get(identityId: string): IndexedIdentity | undefined {
    return this.identities.get(identityId);
  }

  search(probe: Embedding, k: number): readonly IdentityCandidate[] {
    return [...this.identities.values()]
      .map((identity) => ({ identityId: identity.id, name: identity.name, similarity: cosineSimilarity(probe, identity.template) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, k);
  }

  searchMany(probes: readonly Embedding[], k: number): ReadonlyArray<readonly IdentityCandidate[]> {
    return probes.map((probe) => this.search(probe, k));
  }

  get size(): { identities: number; embeddings: number } {
    let embeddings = 0;
    for (const identity of this.identities.values()) embeddings += identity.embeddings;
    return { identities: this.identities.size, embeddings };
  }
}
