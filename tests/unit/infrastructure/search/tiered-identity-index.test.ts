import { EmbeddingMismatchError } from '../../../../src/domain/errors';
import { SeededRandom } from '../../../../src/domain/seeded-random';
import { createIdentityIndex } from '../../../../src/composition/search';
import { ExactIdentityIndex } from '../../../../src/infrastructure/search/exact-identity-index';
import { DEFAULT_HNSW, TieredIdentityIndex } from '../../../../src/infrastructure/search/tiered-identity-index';

const DIMENSIONS = 16;
const random = new SeededRandom(21);
const vector = (): Float32Array => Float32Array.from({ length: DIMENSIONS }, () => random.normal());
/** Another photo of the same person: the template plus a little noise. */
const near = (template: Float32Array): Float32Array => template.map((x) => x + 0.05 * random.normal());

function filled(count: number, annThreshold: number): { tiered: TieredIdentityIndex; exact: ExactIdentityIndex; templates: Float32Array[] } {
  const tiered = new TieredIdentityIndex({ annThreshold, shortlist: 64, hnsw: { ...DEFAULT_HNSW, buildThreads: 1 } });
  const exact = new ExactIdentityIndex();
  const templates = Array.from({ length: count }, vector);
  templates.forEach((template, i) => {
    tiered.upsert({ id: `p${i}`, name: null, template, embeddings: 2 });
    exact.upsert({ id: `p${i}`, name: null, template, embeddings: 2 });
  });
  return { tiered, exact, templates };
}

describe('TieredIdentityIndex', () => {
  it('is the exact index below the threshold', () => {
    const { tiered, exact } = filled(50, 100);
    const probes = Array.from({ length: 5 }, vector);
    expect(tiered.searchMany(probes, 3)).toEqual(exact.searchMany(probes, 3));
    expect(tiered.approximate).toBe(false);
    expect(tiered.size).toEqual({ identities: 50, embeddings: 100 });
  });

  it('builds its graph at prepare() (after the gallery load), not at the first search, and catches up with later writes there too', () => {
    const { tiered, templates } = filled(300, 100);
    expect(tiered.graphSize).toBe(0);
    tiered.prepare();
    expect(tiered.graphSize).toBe(300);
    tiered.upsert({ id: 'late', name: null, template: vector(), embeddings: 1 });
    expect(tiered.graphSize).toBe(300);
    tiered.prepare();
    expect(tiered.graphSize).toBe(301);
    expect(tiered.search(near(templates[7]!), 1)[0]?.identityId).toBe('p7');
  });

  it('above the threshold finds each person from another photo, with exact similarities', () => {
    const { tiered, exact, templates } = filled(400, 100);
    expect(tiered.approximate).toBe(true);
    const probes = templates.slice(0, 60).map(near);
    const found = tiered.searchMany(probes, 3);
    probes.forEach((probe, i) => {
      expect(found[i]![0]!.identityId).toBe(`p${i}`);
      // Re-scored from the template array: the same numbers as the exact search.
      expect(found[i]).toEqual(exact.search(probe, 3));
    });
    expect(tiered.search(probes[7]!, 1)[0]!.identityId).toBe('p7');
  });

  it('follows upserts, replacements and removals made after the graph was built', () => {
    const { tiered, templates } = filled(300, 100);
    expect(tiered.search(near(templates[5]!), 1)[0]!.identityId).toBe('p5');

    const newcomer = vector();
    tiered.upsert({ id: 'newcomer', name: 'New', template: newcomer, embeddings: 1 });
    expect(tiered.search(near(newcomer), 1)[0]).toMatchObject({ identityId: 'newcomer', name: 'New' });

    const replacement = vector();
    tiered.upsert({ id: 'p5', name: 'Five', template: replacement, embeddings: 4 });
    expect(tiered.search(near(replacement), 1)[0]).toMatchObject({ identityId: 'p5', name: 'Five' });
    expect(tiered.search(templates[5]!, 5).map((c) => c.identityId)).not.toContain('p5');

    expect(tiered.remove('p9')).toBe(true);
    expect(tiered.remove('p9')).toBe(false);
    expect(tiered.search(templates[9]!, 5).map((c) => c.identityId)).not.toContain('p9');
    expect(tiered.get('p9')).toBeUndefined();
    expect(tiered.get('p5')).toMatchObject({ name: 'Five', embeddings: 4 });
    expect(tiered.size).toEqual({ identities: 300, embeddings: 299 * 2 - 2 + 4 + 1 });
  });

  it('drops the graph once the gallery shrinks below half the threshold', () => {
    const { tiered, exact, templates } = filled(120, 100);
    tiered.search(templates[0]!, 1);
    expect(tiered.approximate).toBe(true);
    for (let i = 0; i < 71; i += 1) {
      tiered.remove(`p${i}`);
      exact.remove(`p${i}`);
    }
    expect(tiered.approximate).toBe(false);
    const probe = vector();
    expect(tiered.search(probe, 4)).toEqual(exact.search(probe, 4));
  });

  it('answers k ≤ 0 with nothing and refuses a probe of another size', () => {
    const { tiered } = filled(150, 100);
    expect(tiered.searchMany([vector(), vector()], 0)).toEqual([[], []]);
    expect(() => tiered.search(new Float32Array(DIMENSIONS + 1), 1)).toThrow(EmbeddingMismatchError);
  });

  it('needs a positive threshold', () => {
    expect(() => new TieredIdentityIndex({ annThreshold: 0, shortlist: 8, hnsw: DEFAULT_HNSW })).toThrow(RangeError);
  });
});

describe('createIdentityIndex', () => {
  it('is exact only with GALLERY_ANN_THRESHOLD 0, tiered otherwise', () => {
    expect(createIdentityIndex({ GALLERY_ANN_THRESHOLD: 0 })).toBeInstanceOf(ExactIdentityIndex);
    expect(createIdentityIndex({ GALLERY_ANN_THRESHOLD: 10 })).toBeInstanceOf(TieredIdentityIndex);
  });
});
