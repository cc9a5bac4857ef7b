import { Type, type Static } from '@sinclair/typebox';
import type { QualityVerdict } from '../../../../domain/quality';

/** Every verdict, listed once: the compiler fails here when the domain adds one. */
const VERDICTS: Readonly<Record<QualityVerdict, true>> = { ok: true, too_small: true, too_blurry: true, extreme_pose: true };

const Point = Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: '[x, y] in source-image pixels.' });

/**
 * One face in the JSON form the stream publishes (src/domain/face-json.ts,
 * docs/schemas/faces-detected.v1.json), without identity and embedding. The
 * response serialiser writes only the properties listed here, so no
 * embedding can reach a client through a route that uses this schema.
 */
export const FaceJson = Type.Object(
  {
    box: Type.Array(Type.Number(), { minItems: 4, maxItems: 4, description: '[x1, y1, x2, y2] in source-image pixels.' }),
    score: Type.Number({ minimum: 0, maximum: 1, description: 'Detector probability.' }),
    landmarks: Type.Array(Point, { minItems: 5, maxItems: 5, description: 'Left eye, right eye, nose tip, left and right mouth corner.' }),
    quality: Type.Object({
      passed: Type.Boolean({ description: 'Good enough to recognise: the reason is `ok`.' }),
      reason: Type.Unsafe<QualityVerdict>({ type: 'string', enum: Object.keys(VERDICTS), description: 'Why the face passed or not.' }),
      face_size: Type.Number({ description: 'Shorter side of the box, pixels.' }),
      sharpness: Type.Number({ description: 'Laplacian variance of the aligned 112×112 crop.' }),
      yaw: Type.Number({ description: 'Estimated head yaw, degrees.' }),
      roll: Type.Number({ description: 'Eye-line tilt, degrees.' }),
    }),
  },
  { description: 'A detected face.' },
);
export type FaceJson = Static<typeof FaceJson>;
