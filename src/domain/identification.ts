import type { Embedding } from './embedding';
import type { Score, TrialScores } from './error-rates';
import { identityScore, type EnrolledIdentity, type IdentityScoring } from './identity';
import { proportion, type Proportion } from './proportion';

/**
 * One 1:N search of a probe photo against the gallery, reduced to what the
 * identification metrics need.
 */
export interface SearchOutcome {
  /** The person of the probe is enrolled (a mated search). */
  readonly mated: boolean;
  /** The highest identity score; null when the probe gave no usable face (failure to acquire) or the gallery is empty. */
  readonly topScore: Score;
  /** The identity with the top score (the first enrolled of those tied); null when topScore is. */
  readonly topIdentityId: string | null;
  /**
   * Rank of the mate among the gallery's identities, 1 = best. Ties count
   * against the mate: rank = 1 + the other identities scoring at least as
   * high. null when the probe has no usable face or the mate has no template.
   */
  readonly mateRank: number | null;
  readonly mateScore: Score;
}

/**
 * Scores every identity of the gallery — by default with identityScore, the
 * service's rule — and places the mate (`mateId`, null for a non-mated search).
 */
export function searchGallery(
  probe: Embedding | null,
  gallery: readonly EnrolledIdentity[],
  mateId: string | null,
  score: IdentityScoring = identityScore,
): SearchOutcome {
  const mated = mateId !== null;
  if (probe === null) return { mated, topScore: null, topIdentityId: null, mateRank: null, mateScore: null };
  let topScore: number | null = null;
  let topIdentityId: string | null = null;
  let mateScore: number | null = null;
  const otherScores: number[] = [];
  for (const identity of gallery) {
    const similarity = score(probe, identity);
    if (similarity === null) continue;
    if (topScore === null || similarity > topScore) {
      topScore = similarity;
      topIdentityId = identity.id;
    }
    if (identity.id === mateId) mateScore = similarity;
    else otherScores.push(similarity);
  }
  const mateRank = mateScore === null ? null : 1 + otherScores.filter((s) => s >= (mateScore as number)).length;
  return { mated, topScore, topIdentityId, mateRank, mateScore };
}

/**
 * Closed-set rank-k identification rate: mated searches whose mate is among
 * the k best identities, over every mated search — a probe without a usable
 * face, or whose person could not be enrolled, is a miss.
 */
export function rankIdentificationRate(searches: readonly SearchOutcome[], k: number): Proportion {
  const mated = searches.filter((s) => s.mated);
  return proportion(mated.filter((s) => s.mateRank !== null && s.mateRank <= k).length, mated.length);
}

/**
 * The trials of open-set identification as NIST FRVT 1:N defines its rates:
 * FNIR(T) = mated searches whose mate is not returned at rank 1 with a score
 * ≥ T; FPIR(T) = non-mated searches whose top score is ≥ T. A search
 * without a usable face returns no candidate: a miss if mated, a correct
 * rejection if not.
 */
export function openSetTrials(searches: readonly SearchOutcome[]): TrialScores {
  return {
    genuine: searches.filter((s) => s.mated).map((s) => (s.mateRank === 1 ? s.mateScore : null)),
    impostor: searches.filter((s) => !s.mated).map((s) => s.topScore),
  };
}
