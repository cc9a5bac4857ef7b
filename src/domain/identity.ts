import type { Embedding } from './embedding';
import { cosineSimilarity, fuseEmbeddings } from './embedding';

/** A person enrolled in the gallery with one or more reference embeddings. */
export interface EnrolledIdentity {
  readonly id: string;
  readonly name: string;
  /** One embedding per enrolled photo. */
  readonly embeddings: readonly Embedding[];
  /** What probes are compared with: the normalised mean of the references; null without references. */
  readonly template: Embedding | null;
}

export type IdentityMatch =
  | { readonly status: 'known'; readonly identityId: string; readonly name: string; readonly similarity: number }
  | { readonly status: 'unknown'; readonly bestSimilarity: number | null };

/** An identity with its template built from its reference embeddings. */
export function enrolIdentity(id: string, name: string, embeddings: readonly Embedding[]): EnrolledIdentity {
  return { id, name, embeddings, template: embeddings.length === 0 ? null : fuseEmbeddings(embeddings) };
}

/** Scores a person for a probe embedding; null when the person cannot be scored (no references). */
export type IdentityScoring = (probe: Embedding, identity: EnrolledIdentity) => number | null;

/**
 * The score of a person for a probe: its similarity to the person's
 * template, the centroid of their reference embeddings. The service's match
 * and the identification evaluation (facerec eval identify) rank people by
 * it. On LFW it ranks as well as the closest reference and lets far fewer
 * strangers through: one wrong photo among a person's references, or one
 * stranger who resembles a single photo, moves the mean much less than the
 * maximum (adr/0005-identification-accuracy.md).
 */
export const identityScore: IdentityScoring = (probe, identity) =>
  identity.template === null ? null : cosineSimilarity(probe, identity.template);

/** The similarity of the person's closest reference: the service's rule until adr/0005, kept for comparison. */
export const closestReferenceScore: IdentityScoring = (probe, identity) => {
  let best: number | null = null;
  for (const reference of identity.embeddings) {
    const similarity = cosineSimilarity(probe, reference);
    if (best === null || similarity > best) best = similarity;
  }
  return best;
};

/** A person's score for a probe, as a 1:N search returns it. */
export interface ScoredIdentity {
  readonly identityId: string;
  readonly name: string | null;
  readonly similarity: number;
}

/**
 * The open-set decision on a 1:N search's candidates (best first): the best
 * is the face's identity if it reaches the threshold; otherwise the face is
 * unknown, with the best similarity seen (null when nobody could be scored).
 * A person enrolled without a name is shown by their id.
 */
export function decideIdentity(candidates: readonly ScoredIdentity[], threshold: number): IdentityMatch {
  const best = candidates[0];
  if (best === undefined) return { status: 'unknown', bestSimilarity: null };
  if (best.similarity >= threshold) return { status: 'known', identityId: best.identityId, name: best.name ?? best.identityId, similarity: best.similarity };
  return { status: 'unknown', bestSimilarity: best.similarity };
}

/**
 * Closed-set match with an open-set threshold over a list of identities: the
 * identity with the highest identityScore (the first enrolled on a tie) is
 * decided on by decideIdentity. The service searches an IdentityIndex instead;
 * both rank by the same score.
 */
export function matchIdentity(
  probe: Embedding,
  gallery: readonly EnrolledIdentity[],
  threshold: number,
): IdentityMatch {
  let best: ScoredIdentity | null = null;
  for (const identity of gallery) {
    const similarity = identityScore(probe, identity);
    if (similarity !== null && (best === null || similarity > best.similarity)) best = { identityId: identity.id, name: identity.name, similarity };
  }
  return decideIdentity(best === null ? [] : [best], threshold);
}

export interface VerificationResult {
  readonly similarity: number;
  readonly threshold: number;
  readonly same: boolean;
}

export const verify = (a: Embedding, b: Embedding, threshold: number): VerificationResult => {
  const similarity = cosineSimilarity(a, b);
  return { similarity, threshold, same: similarity >= threshold };
};
