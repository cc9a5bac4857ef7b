import type { Embedding } from './embedding';
import { cosineSimilarity } from './embedding';

/** A person enrolled in the gallery with one or more reference embeddings. */
export interface EnrolledIdentity {
  readonly id: string;
  readonly name: string;
  readonly embeddings: readonly Embedding[];
}

export type IdentityMatch =
  | { readonly status: 'known'; readonly identityId: string; readonly name: string; readonly similarity: number }
  | { readonly status: 'unknown'; readonly bestSimilarity: number | null };

/**
 * The score of a person for a probe: the similarity of their closest
 * reference embedding (null without references). Both the service's match
 * and the identification evaluation (facerec eval identify) rank people by
 * it.
 */
export function identityScore(probe: Embedding, identity: EnrolledIdentity): number | null {
  let best: number | null = null;
  for (const reference of identity.embeddings) {
    const similarity = cosineSimilarity(probe, reference);
    if (best === null || similarity > best) best = similarity;
  }
  return best;
}

/**
 * Closed-set match with an open-set threshold: the identity with the highest
 * identityScore wins if it reaches the threshold; otherwise the face is
 * unknown.
 */
export function matchIdentity(
  probe: Embedding,
  gallery: readonly EnrolledIdentity[],
  threshold: number,
): IdentityMatch {
  let best: { identity: EnrolledIdentity; similarity: number } | null = null;
  for (const identity of gallery) {
    const similarity = identityScore(probe, identity);
    if (similarity !== null && (best === null || similarity > best.similarity)) best = { identity, similarity };
  }
  if (best !== null && best.similarity >= threshold) {
    return { status: 'known', identityId: best.identity.id, name: best.identity.name, similarity: best.similarity };
  }
  return { status: 'unknown', bestSimilarity: best === null ? null : best.similarity };
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
