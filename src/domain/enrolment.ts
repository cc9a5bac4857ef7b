import type { PersonEmbedding } from './person';
import type { QualityPolicy } from './quality';

/**
 * How far a face clears the quality gate, for choosing the best faces of an
 * enrolment session: each measure as a multiple of what the gate asks (face
 * size and sharpness over their minimum, the yaw left before the maximum
 * over the maximum), and the face is as good as its weakest measure. A face
 * just at the gate scores about 1 on its weak side; a large, sharp, frontal
 * face scores high on all three.
 */
export function enrolmentScore(quality: PersonEmbedding['quality'], policy: QualityPolicy): number {
  const ratio = (value: number, minimum: number): number => (minimum > 0 ? value / minimum : Number.POSITIVE_INFINITY);
  const size = ratio(quality.faceSize, policy.minFaceSize);
  const sharpness = ratio(quality.sharpness, policy.minSharpness);
  // 1 + the share of the allowed yaw still unused: 2 for a frontal face, 1 at the limit.
  const pose = policy.maxYawDegrees > 0 ? 1 + Math.max(0, policy.maxYawDegrees - Math.abs(quality.yaw)) / policy.maxYawDegrees : 1;
  return Math.min(size, sharpness, pose);
}

/** The `count` best-scored items, best first; equal scores keep their order. */
export function bestScored<T extends { readonly score: number }>(items: readonly T[], count: number): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.score - a.item.score || a.index - b.index)
    .slice(0, Math.max(0, count))
    .map(({ item }) => item);
}
