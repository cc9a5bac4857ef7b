import { boxToArray } from './geometry';
import type { AnalyzedFace } from './face';
import { landmarksToArray } from './landmarks';

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/** The public JSON form of a face, shared by the CLI and published results. Embeddings only on request (privacy). */
export function faceToJson(face: AnalyzedFace, includeEmbedding = false): Record<string, unknown> {
  return {
    box: boxToArray(face.box).map((v) => round(v)),
    score: round(face.score, 4),
    landmarks: landmarksToArray(face.landmarks).map(([x, y]) => [round(x), round(y)]),
    quality: {
      passed: face.quality.passed,
      reason: face.quality.reason,
      face_size: round(face.quality.faceSize, 1),
      sharpness: round(face.quality.sharpness, 1),
      yaw: round(face.quality.pose.yaw, 1),
      roll: round(face.quality.pose.roll, 1),
    },
    ...(face.identity
      ? {
          identity:
            face.identity.status === 'known'
              ? { status: 'known', id: face.identity.identityId, name: face.identity.name, similarity: round(face.identity.similarity, 4) }
              : { status: 'unknown', best_similarity: face.identity.bestSimilarity === null ? null : round(face.identity.bestSimilarity, 4) },
        }
      : {}),
    ...(includeEmbedding && face.embedding ? { embedding: Array.from(face.embedding, (v) => round(v, 6)) } : {}),
  };
}
