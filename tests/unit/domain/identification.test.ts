import { errorRatesAt } from '../../../src/domain/error-rates';
import { openSetTrials, rankIdentificationRate, searchGallery, type SearchOutcome } from '../../../src/domain/identification';
import { closestReferenceScore, enrolIdentity, type EnrolledIdentity } from '../../../src/domain/identity';
import { proportion } from '../../../src/domain/proportion';
import { at, cos } from '../../support/plane-embeddings';

// Templates: Ada 10°, Grace 90°, Alan 160°, Nobody none.
const gallery: EnrolledIdentity[] = [
  enrolIdentity('ada', 'Ada', [at(0), at(20)]),
  enrolIdentity('grace', 'Grace', [at(90)]),
  enrolIdentity('alan', 'Alan', [at(180), at(140)]),
  enrolIdentity('nobody', 'Nobody', []),
];

const search = (outcome: Partial<SearchOutcome>): SearchOutcome => ({ mated: true, topScore: null, topIdentityId: null, mateRank: null, mateScore: null, ...outcome });

describe('searchGallery', () => {
  it("ranks the mate among the identities by the service's rule, the template", () => {
    const outcome = searchGallery(at(25), gallery, 'ada');
    expect(outcome.mated).toBe(true);
    expect(outcome.mateRank).toBe(1);
    expect(outcome.mateScore).toBeCloseTo(cos(15), 6); // Ada's template at 10°
    expect(outcome.topScore).toBe(outcome.mateScore);
    expect(outcome.topIdentityId).toBe('ada');
  });

  it('scores identities by another rule when given one', () => {
    expect(searchGallery(at(25), gallery, 'ada', closestReferenceScore).mateScore).toBeCloseTo(cos(5), 6); // Ada's 20° reference
  });

  it('places a mate behind every identity that scores higher', () => {
    // 100°: Grace 10° away, Alan 60°, Ada 90°.
    const outcome = searchGallery(at(100), gallery, 'ada');
    expect(outcome.mateRank).toBe(3);
    expect(outcome.mateScore).toBeCloseTo(cos(90), 6);
    expect(outcome.topScore).toBeCloseTo(cos(10), 6);
    expect(outcome.topIdentityId).toBe('grace');
  });

  it('counts a tie against the mate', () => {
    // Two people enrolled with the same photo score alike for every probe.
    const tied = [enrolIdentity('ada', 'Ada', [at(0)]), enrolIdentity('grace', 'Grace', [at(0)])];
    expect(searchGallery(at(30), tied, 'ada').mateRank).toBe(2);
    expect(searchGallery(at(30), tied, 'grace').mateRank).toBe(2);
    // The top identity of a tie is the first enrolled, as matchIdentity returns it.
    expect(searchGallery(at(30), tied, 'grace').topIdentityId).toBe('ada');
  });

  it('has a top score but no mate for a non-mated search', () => {
    const outcome = searchGallery(at(95), gallery, null);
    expect(outcome).toEqual({ mated: false, topScore: expect.any(Number), topIdentityId: 'grace', mateRank: null, mateScore: null });
    expect(outcome.topScore).toBeCloseTo(cos(5), 6);
  });

  it('has no mate rank when the mate has no template, and skips identities without references', () => {
    const outcome = searchGallery(at(10), gallery, 'nobody');
    expect(outcome).toMatchObject({ mated: true, mateRank: null, mateScore: null, topIdentityId: 'ada' });
    expect(outcome.topScore).toBeCloseTo(1, 6);
    expect(searchGallery(at(0), gallery, 'someone-not-enrolled').mateRank).toBeNull();
  });

  it('returns no candidate for a probe without a usable face', () => {
    expect(searchGallery(null, gallery, 'ada')).toEqual({ mated: true, topScore: null, topIdentityId: null, mateRank: null, mateScore: null });
    expect(searchGallery(null, gallery, null)).toEqual({ mated: false, topScore: null, topIdentityId: null, mateRank: null, mateScore: null });
  });

  it('returns no candidate from an empty gallery', () => {
    expect(searchGallery(at(0), [], null)).toEqual({ mated: false, topScore: null, topIdentityId: null, mateRank: null, mateScore: null });
  });
});

describe('rankIdentificationRate', () => {
  const searches = [
    search({ mateRank: 1 }),
    search({ mateRank: 2 }),
    search({ mateRank: 6 }),
    search({ mateRank: null }), // failure to acquire
    search({ mated: false, topScore: 0.9 }),
  ];

  it('is the share of mated searches with the mate within the first k, failures to acquire counted as misses', () => {
    expect(rankIdentificationRate(searches, 1)).toEqual(proportion(1, 4));
    expect(rankIdentificationRate(searches, 5)).toEqual(proportion(2, 4));
    expect(rankIdentificationRate(searches, 6)).toEqual(proportion(3, 4));
  });
});

describe('openSetTrials', () => {
  const searches = [
    search({ mateRank: 1, mateScore: 0.8, topScore: 0.8 }),
    search({ mateRank: 1, mateScore: 0.4, topScore: 0.4 }),
    search({ mateRank: 2, mateScore: 0.7, topScore: 0.9 }), // another person wins: a miss at every threshold
    search({}), // failure to acquire
    search({ mated: false, topScore: 0.5 }),
    search({ mated: false, topScore: null }),
  ];

  it('scores a mated search by its mate only when the mate is at rank 1, a non-mated one by its top score', () => {
    expect(openSetTrials(searches)).toEqual({ genuine: [0.8, 0.4, null, null], impostor: [0.5, null] });
  });

  it('gives FNIR and FPIR as NIST defines them', () => {
    const rates = errorRatesAt(openSetTrials(searches), 0.45);
    expect(rates.falseNegative).toEqual(proportion(3, 4)); // 0.4 below T, rank 2, no face
    expect(rates.falsePositive).toEqual(proportion(1, 2));
  });
});
