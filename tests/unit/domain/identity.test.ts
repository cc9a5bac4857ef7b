import { l2Normalise } from '../../../src/domain/embedding';
import { type EnrolledIdentity, identityScore, matchIdentity, verify } from '../../../src/domain/identity';

/** A unit vector at `degrees` in the plane: the cosine of two such vectors is the cosine of their angle. */
const at = (degrees: number): Float32Array => {
  const r = (degrees * Math.PI) / 180;
  return l2Normalise([Math.cos(r), Math.sin(r)]);
};

const gallery: EnrolledIdentity[] = [
  { id: 'p1', name: 'Ada', embeddings: [at(0), at(10)] },
  { id: 'p2', name: 'Grace', embeddings: [at(90)] },
  { id: 'p3', name: 'Edsger', embeddings: [at(178), at(120)] },
];

describe('identityScore', () => {
  it('is the similarity of the closest reference', () => {
    expect(identityScore(at(130), gallery[2]!)).toBeCloseTo(Math.cos((10 * Math.PI) / 180), 6);
    expect(identityScore(at(170), gallery[2]!)).toBeCloseTo(Math.cos((8 * Math.PI) / 180), 6);
  });

  it('is null for an identity without references', () => {
    expect(identityScore(at(0), { id: 'x', name: 'Nobody', embeddings: [] })).toBeNull();
  });
});

describe('matchIdentity', () => {
  it('returns the identity whose closest reference is most similar when it reaches the threshold', () => {
    const match = matchIdentity(at(12), gallery, 0.5);
    expect(match).toEqual({ status: 'known', identityId: 'p1', name: 'Ada', similarity: expect.any(Number) });
    // The closer of Ada's two references (10°) counts, not the first one (0°).
    expect(match.status === 'known' && match.similarity).toBeCloseTo(Math.cos((2 * Math.PI) / 180), 6);
  });

  it('compares every reference of every identity', () => {
    const match = matchIdentity(at(125), gallery, 0.5);
    expect(match).toMatchObject({ status: 'known', identityId: 'p3', name: 'Edsger' });
  });

  it('accepts a similarity exactly at the threshold', () => {
    const probe = at(0); // [1, 0]: its similarity with itself is exactly 1
    const exact = matchIdentity(probe, [{ id: 'g', name: 'Grace', embeddings: [probe] }], 1);
    expect(exact.status).toBe('known');
  });

  it('is unknown, with the best similarity seen, when nothing reaches the threshold', () => {
    const match = matchIdentity(at(45), gallery, 0.9);
    expect(match.status).toBe('unknown');
    // Nearest reference: Ada's 10°, 35° away (Ada 0° and Grace 90° are 45° away).
    expect(match.status === 'unknown' && match.bestSimilarity).toBeCloseTo(Math.cos((35 * Math.PI) / 180), 6);
  });

  it('is unknown with no best similarity for an empty gallery', () => {
    expect(matchIdentity(at(0), [], 0.3)).toEqual({ status: 'unknown', bestSimilarity: null });
  });

  it('skips an identity without references', () => {
    expect(matchIdentity(at(92), [{ id: 'x', name: 'Nobody', embeddings: [] }, ...gallery], 0.5)).toMatchObject({ status: 'known', identityId: 'p2' });
  });

  it('gives a tie to the identity enrolled first', () => {
    const twins: EnrolledIdentity[] = [
      { id: 'a', name: 'A', embeddings: [at(0)] },
      { id: 'b', name: 'B', embeddings: [at(0)] },
    ];
    expect(matchIdentity(at(5), twins, 0.5)).toMatchObject({ identityId: 'a' });
  });

  it('is unknown with no best similarity when identities have no references', () => {
    expect(matchIdentity(at(0), [{ id: 'x', name: 'Nobody', embeddings: [] }], 0.3)).toEqual({ status: 'unknown', bestSimilarity: null });
  });
});

describe('verify', () => {
  it('says same at or above the threshold and reports both numbers', () => {
    const result = verify(at(0), at(60), 0.5);
    expect(result.threshold).toBe(0.5);
    expect(result.similarity).toBeCloseTo(0.5, 6);
    expect(verify(at(0), at(30), 0.5)).toMatchObject({ same: true });
    expect(verify(at(0), at(80), 0.5)).toMatchObject({ same: false });
    expect(verify(at(0), at(0), 1)).toMatchObject({ same: true });
  });
});
