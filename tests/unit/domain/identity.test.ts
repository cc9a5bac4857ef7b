import { cosineSimilarity } from '../../../src/domain/embedding';
import { closestReferenceScore, decideIdentity, enrolIdentity, type EnrolledIdentity, identityScore, matchIdentity, verify } from '../../../src/domain/identity';
import { at, cos } from '../../support/plane-embeddings';

// Templates: Ada 5°, Grace 90°, Edsger 149°.
const gallery: EnrolledIdentity[] = [
  enrolIdentity('p1', 'Ada', [at(0), at(10)]),
  enrolIdentity('p2', 'Grace', [at(90)]),
  enrolIdentity('p3', 'Edsger', [at(178), at(120)]),
];

describe('enrolIdentity', () => {
  it('keeps the references and makes their normalised mean the template', () => {
    const ada = gallery[0]!;
    expect(ada).toMatchObject({ id: 'p1', name: 'Ada' });
    expect(ada.embeddings).toHaveLength(2);
    expect(ada.template).toHaveLength(2);
    expect(cosineSimilarity(ada.template!, at(5))).toBeCloseTo(1, 6);
    // Unit length, so a dot product with a unit probe is a cosine.
    expect(Math.hypot(...ada.template!)).toBeCloseTo(1, 6);
  });

  it('has no template without references', () => {
    expect(enrolIdentity('x', 'Nobody', [])).toEqual({ id: 'x', name: 'Nobody', embeddings: [], template: null });
  });
});

describe('identityScore', () => {
  it('is the similarity to the template', () => {
    expect(identityScore(at(130), gallery[2]!)).toBeCloseTo(cos(19), 6);
    expect(identityScore(at(5), gallery[0]!)).toBeCloseTo(1, 6);
  });

  it('is null for an identity without references', () => {
    expect(identityScore(at(0), enrolIdentity('x', 'Nobody', []))).toBeNull();
  });
});

describe('closestReferenceScore', () => {
  it('is the similarity of the closest reference', () => {
    expect(closestReferenceScore(at(130), gallery[2]!)).toBeCloseTo(cos(10), 6);
    expect(closestReferenceScore(at(170), gallery[2]!)).toBeCloseTo(cos(8), 6);
  });

  it('is null for an identity without references', () => {
    expect(closestReferenceScore(at(0), enrolIdentity('x', 'Nobody', []))).toBeNull();
  });
});

describe('matchIdentity', () => {
  it('returns the identity whose template is most similar when it reaches the threshold', () => {
    const match = matchIdentity(at(12), gallery, 0.5);
    expect(match).toEqual({ status: 'known', identityId: 'p1', name: 'Ada', similarity: expect.any(Number) });
    expect(match.status === 'known' && match.similarity).toBeCloseTo(cos(7), 6);
  });

  it('ranks by the template, not by the closest reference', () => {
    // 115°: Edsger's 120° reference is 5° away, but his template (149°) is 34° away; Grace's (90°) 25°.
    expect(matchIdentity(at(115), gallery, 0.5)).toMatchObject({ status: 'known', identityId: 'p2', name: 'Grace' });
    expect(matchIdentity(at(125), gallery, 0.5)).toMatchObject({ status: 'known', identityId: 'p3', name: 'Edsger' });
  });

  it('accepts a similarity exactly at the threshold', () => {
    const probe = at(0); // [1, 0]: its similarity with itself is exactly 1
    const exact = matchIdentity(probe, [enrolIdentity('g', 'Grace', [probe])], 1);
    expect(exact.status).toBe('known');
  });

  it('is unknown, with the best similarity seen, when nothing reaches the threshold', () => {
    const match = matchIdentity(at(45), gallery, 0.9);
    expect(match.status).toBe('unknown');
    // Nearest template: Ada's 5°, 40° away (Grace's 90° is 45° away).
    expect(match.status === 'unknown' && match.bestSimilarity).toBeCloseTo(cos(40), 6);
  });

  it('is unknown with no best similarity for an empty gallery', () => {
    expect(matchIdentity(at(0), [], 0.3)).toEqual({ status: 'unknown', bestSimilarity: null });
  });

  it('skips an identity without references', () => {
    expect(matchIdentity(at(92), [enrolIdentity('x', 'Nobody', []), ...gallery], 0.5)).toMatchObject({ status: 'known', identityId: 'p2' });
  });

  it('gives a tie to the identity enrolled first', () => {
    const twins = [enrolIdentity('a', 'A', [at(0)]), enrolIdentity('b', 'B', [at(0)])];
    expect(matchIdentity(at(5), twins, 0.5)).toMatchObject({ identityId: 'a' });
  });

  it('is unknown with no best similarity when identities have no references', () => {
    expect(matchIdentity(at(0), [enrolIdentity('x', 'Nobody', [])], 0.3)).toEqual({ status: 'unknown', bestSimilarity: null });
  });
});

describe('decideIdentity', () => {
  const candidates = [
    { identityId: 'p2', name: 'Grace', similarity: 0.71 },
    { identityId: 'p1', name: 'Ada', similarity: 0.42 },
  ];

  it('makes the best candidate the identity when it reaches the threshold', () => {
    expect(decideIdentity(candidates, 0.5)).toEqual({ status: 'known', identityId: 'p2', name: 'Grace', similarity: 0.71 });
    expect(decideIdentity(candidates, 0.71)).toMatchObject({ status: 'known', identityId: 'p2' });
  });

  it('is unknown below the threshold, with the best similarity seen', () => {
    expect(decideIdentity(candidates, 0.72)).toEqual({ status: 'unknown', bestSimilarity: 0.71 });
  });

  it('is unknown with no best similarity when there is no candidate', () => {
    expect(decideIdentity([], 0.3)).toEqual({ status: 'unknown', bestSimilarity: null });
  });

  it('shows a person enrolled without a name by their id', () => {
    expect(decideIdentity([{ identityId: 'badge-17', name: null, similarity: 0.9 }], 0.5)).toMatchObject({ status: 'known', name: 'badge-17' });
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
