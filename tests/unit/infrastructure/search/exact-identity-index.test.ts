import type { IdentityCandidate, IndexedIdentity } from '../../../../src/application/ports/identity-index';
import { cosineSimilarity, l2Normalise } from '../../../../src/domain/embedding';
import { EmbeddingMismatchError } from '../../../../src/domain/errors';
import { SeededRandom } from '../../../../src/domain/seeded-random';
import { ExactIdentityIndex } from '../../../../src/infrastructure/search/exact-identity-index';

const DIMENSIONS = 32;

const randomVector = (random: SeededRandom, dimensions = DIMENSIONS): Float32Array =>
  Float32Array.from({ length: dimensions }, () => random.normal());

const identity = (id: string, template: Float32Array, embeddings = 1, name: string | null = `name of ${id}`): IndexedIdentity => ({
  id,
  name,
  template,
  embeddings,
});

/**
 * The reference: every identity scored with the domain's cosine similarity,
 * fully sorted, ties in insertion order (a Map keeps the first insertion's
 * place when a key is set again, and moves a key deleted and set again to the end).
 */
class BruteForce {
  readonly identities = new Map<string, IndexedIdentity>();

  search(probe: Float32Array, k: number): IdentityCandidate[] {
    return [...this.identities.values()]
      .map((i, order) => ({ identityId: i.id, name: i.name, similarity: cosineSimilarity(probe, i.template), order }))
      .sort((a, b) => b.similarity - a.similarity || a.order - b.order)
      .slice(0, Math.max(0, k))
      .map(({ identityId, name, similarity }) => ({ identityId, name, similarity }));
  }
}

const expectSameRanking = (actual: readonly IdentityCandidate[], expected: readonly IdentityCandidate[]): void => {
  expect(actual.map((c) => [c.identityId, c.name])).toEqual(expected.map((c) => [c.identityId, c.name]));
  actual.forEach((c, i) => expect(c.similarity).toBeCloseTo(expected[i]!.similarity, 5));
};

describe('ExactIdentityIndex', () => {
  it('ranks as a brute-force search through upserts, replacements and removals', () => {
    const random = new SeededRandom(7);
    const index = new ExactIdentityIndex({ initialCapacity: 2 });
    const reference = new BruteForce();
    for (let step = 0; step < 600; step += 1) {
      const roll = random.next();
      const id = `p${random.integer(0, 149)}`;
      if (roll < 0.6) {
        // New identities and replacements of existing ones (a new template, name and embedding count).
        const upserted = identity(id, randomVector(random), random.integer(1, 5), `${id} v${step}`);
        index.upsert(upserted);
        reference.identities.set(id, upserted);
      } else if (roll < 0.8) {
        expect(index.remove(id)).toBe(reference.identities.delete(id));
      } else {
        const probe = randomVector(random);
        const k = random.integer(1, 12);
        expectSameRanking(index.search(probe, k), reference.search(probe, k));
      }
      const embeddings = [...reference.identities.values()].reduce((sum, i) => sum + i.embeddings, 0);
      expect(index.size).toEqual({ identities: reference.identities.size, embeddings });
    }
    expect(reference.identities.size).toBeGreaterThan(20);
  });

  it('ranks the same with the scalar JavaScript scan as with the SIMD kernel', () => {
    const random = new SeededRandom(13);
    const index = new ExactIdentityIndex();
    const reference = new BruteForce();
    for (let i = 0; i < 200; i += 1) {
      const added = identity(`p${i}`, randomVector(random));
      index.upsert(added);
      reference.identities.set(added.id, added);
    }
    const probes = Array.from({ length: 5 }, () => randomVector(random));
    const simd = index.searchMany(probes, 6);
    index.kernel = 'scalar';
    const scalar = index.searchMany(probes, 6);
    probes.forEach((probe, p) => {
      expectSameRanking(scalar[p]!, reference.search(probe, 6));
      expect(scalar[p]).toEqual(simd[p]);
    });
    expect(new ExactIdentityIndex({ kernel: 'scalar' }).kernel).toBe('scalar');
  });

  it('answers a batch of probes as one search per probe', () => {
    const random = new SeededRandom(11);
    const index = new ExactIdentityIndex();
    const reference = new BruteForce();
    for (let i = 0; i < 300; i += 1) {
      const added = identity(`p${i}`, randomVector(random));
      index.upsert(added);
      reference.identities.set(added.id, added);
    }
    const probes = Array.from({ length: 9 }, () => randomVector(random));
    const batched = index.searchMany(probes, 4);
    expect(batched).toHaveLength(9);
    probes.forEach((probe, p) => {
      expectSameRanking(batched[p]!, reference.search(probe, 4));
      expectSameRanking(batched[p]!, index.search(probe, 4));
    });
  });

  it('scores the cosine similarity to the template whatever the lengths of template and probe', () => {
    const index = new ExactIdentityIndex();
    index.upsert(identity('a', Float32Array.from([3, 4])));
    const [best] = index.search(Float32Array.from([10, 0]), 1);
    expect(best).toEqual({ identityId: 'a', name: 'name of a', similarity: expect.closeTo(0.6, 6) as number });
    // The stored template is the normalised one, and a copy.
    const stored = index.get('a')!;
    expect([...stored.template]).toEqual([...l2Normalise([3, 4])]);
    stored.template[0] = 42;
    expect(index.get('a')!.template[0]).toBeCloseTo(0.6, 6);
  });

  it('ranks ties in insertion order, also after a removal moved the last slot', () => {
    const index = new ExactIdentityIndex();
    const same = Float32Array.from([1, 0, 0]);
    for (const id of ['a', 'b', 'c', 'd']) index.upsert(identity(id, same));
    index.remove('b'); // d moves into b's slot
    expect(index.search(same, 10).map((c) => c.identityId)).toEqual(['a', 'c', 'd']);
    index.upsert(identity('a', same, 3)); // a replacement keeps its place
    expect(index.search(same, 10).map((c) => c.identityId)).toEqual(['a', 'c', 'd']);
    index.remove('a');
    index.upsert(identity('a', same)); // removed and added again: last
    expect(index.search(same, 10).map((c) => c.identityId)).toEqual(['c', 'd', 'a']);
  });

  it('keeps ties exact beyond the native shortlist', () => {
    const index = new ExactIdentityIndex();
    const random = new SeededRandom(3);
    const same = randomVector(random);
    for (let i = 0; i < 40; i += 1) index.upsert(identity(`twin${i}`, same));
    // Each removal moves the last twin into the hole: the first slots now hold the latest twins (39, 38 …).
    for (let i = 0; i < 12; i += 1) index.remove(`twin${i}`);
    for (let i = 0; i < 10; i += 1) index.upsert(identity(`other${i}`, randomVector(random)));
    expect(index.search(same, 3).map((c) => c.identityId)).toEqual(['twin12', 'twin13', 'twin14']);
  });

  it('returns every identity when k exceeds the size, and nothing for k ≤ 0', () => {
    const index = new ExactIdentityIndex();
    index.upsert(identity('a', Float32Array.from([1, 0])));
    index.upsert(identity('b', Float32Array.from([0, 1])));
    expect(index.search(Float32Array.from([1, 1]), 10)).toHaveLength(2);
    expect(index.search(Float32Array.from([0.1, 1]), 10).map((c) => c.identityId)).toEqual(['b', 'a']);
    expect(index.search(Float32Array.from([1, 1]), 0)).toEqual([]);
    expect(index.search(Float32Array.from([1, 1]), -3)).toEqual([]);
  });

  it('answers an empty index with no candidates', () => {
    const index = new ExactIdentityIndex();
    expect(index.search(Float32Array.from([1, 0]), 5)).toEqual([]);
    expect(index.searchMany([Float32Array.from([1, 0]), Float32Array.from([0, 1])], 5)).toEqual([[], []]);
    expect(index.searchMany([], 5)).toEqual([]);
    expect(index.size).toEqual({ identities: 0, embeddings: 0 });
    expect(index.remove('nobody')).toBe(false);
    expect(index.get('nobody')).toBeUndefined();
    index.upsert(identity('a', Float32Array.from([1, 0])));
    index.remove('a');
    expect(index.search(Float32Array.from([1, 0]), 5)).toEqual([]);
  });

  it('refuses a template or probe of another dimension with a typed error', () => {
    const index = new ExactIdentityIndex({ dimensions: 4 });
    expect(() => index.search(new Float32Array(3), 1)).toThrow(EmbeddingMismatchError);
    expect(() => index.upsert(identity('a', new Float32Array(5)))).toThrow(EmbeddingMismatchError);
    const fixedByFirst = new ExactIdentityIndex();
    fixedByFirst.upsert(identity('a', Float32Array.from([1, 0, 0])));
    let error: unknown;
    try {
      fixedByFirst.upsert(identity('b', Float32Array.from([1, 0])));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EmbeddingMismatchError);
    expect((error as EmbeddingMismatchError).code).toBe('embedding_mismatch');
    expect((error as EmbeddingMismatchError).context).toEqual({ sizeA: 3, sizeB: 2, identityId: 'b' });
    expect(() => fixedByFirst.searchMany([Float32Array.from([1, 0, 0]), Float32Array.from([1, 0])], 1)).toThrow(EmbeddingMismatchError);
    expect(fixedByFirst.size.identities).toBe(1);
  });

  it('grows by doubling and keeps every template through the growth', () => {
    const random = new SeededRandom(5);
    const index = new ExactIdentityIndex({ initialCapacity: 1 });
    const templates = Array.from({ length: 33 }, () => randomVector(random, 8));
    templates.forEach((t, i) => index.upsert(identity(`p${i}`, t)));
    expect(index.templateBytes).toBe(64 * 8 * 4);
    templates.forEach((t, i) => expect(index.search(t, 1)[0]!.identityId).toBe(`p${i}`));
  });

  it('re-scores a given set of identities exactly', () => {
    const index = new ExactIdentityIndex();
    index.upsert(identity('a', Float32Array.from([1, 0])));
    index.upsert(identity('b', Float32Array.from([0, 1])));
    index.upsert(identity('c', Float32Array.from([1, 1])));
    const probe = Float32Array.from([1, 0.2]);
    expect(index.rescore(probe, ['b', 'gone', 'c'], 5).map((c) => c.identityId)).toEqual(['c', 'b']);
    expect(index.rescore(probe, ['a', 'b', 'c'], 1)).toEqual([{ identityId: 'a', name: 'name of a', similarity: expect.closeTo(cosineSimilarity(probe, [1, 0]), 6) as number }]);
    expect(new ExactIdentityIndex().rescore(probe, ['a'], 1)).toEqual([]);
    expect([...index.entries()].map((e) => e.id)).toEqual(['a', 'b', 'c']);
  });
});
