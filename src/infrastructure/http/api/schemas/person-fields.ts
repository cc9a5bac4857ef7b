import { Type, type TSchema } from '@sinclair/typebox';
import { PERSON_ID_PATTERN, type PersonMetadata } from '../../../../domain/person';
import { ApiError } from '../../errors/api-error';
import { FileField } from './binary-file';
import { Base64Image } from './image-body';

export const PersonId = Type.String({
  pattern: PERSON_ID_PATTERN.source,
  description: 'The caller\'s id of the person: 1 to 128 characters, letters, digits and `._@:-`, starting with a letter or digit.',
});

export const PersonName = Type.Unsafe<string | null>({ type: 'string', maxLength: 256, nullable: true, description: 'Display name; null for none.' });

/** Most metadata entries, and the longest string value: metadata is for a badge number or a team, not for documents. */
export const METADATA_LIMITS = { entries: 64, keyLength: 64, valueLength: 1024 } as const;

/**
 * Metadata in a body: an object of scalars. Its values are checked by
 * `metadataOf`, not by the schema: a union of scalar types under fastify's
 * type coercion would turn "007" into 7 or 1 into true.
 */
export const MetadataField = Type.Object(
  {},
  {
    additionalProperties: true,
    maxProperties: METADATA_LIMITS.entries,
    description: `Flat facts kept with the person (badge, team …): up to ${METADATA_LIMITS.entries} keys, values string (≤ ${METADATA_LIMITS.valueLength} characters), number, boolean or null. Replaces the stored metadata.`,
  },
);

/** Metadata in a response. */
export const MetadataJson = Type.Unsafe<PersonMetadata>({ type: 'object', additionalProperties: true, description: 'The person\'s metadata.' });

/** The metadata of a body: a JSON object (multipart: its JSON text), checked value by value; invalid_request otherwise. */
export function metadataOf(value: unknown): PersonMetadata | undefined {
  if (value === undefined) return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw metadataError('metadata is not valid JSON');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw metadataError('metadata must be a JSON object');
  const entries = Object.entries(parsed);
  if (entries.length > METADATA_LIMITS.entries) throw metadataError(`metadata has more than ${METADATA_LIMITS.entries} keys`);
  for (const [key, entry] of entries) {
    if (key.length === 0 || key.length > METADATA_LIMITS.keyLength) throw metadataError(`metadata keys are 1 to ${METADATA_LIMITS.keyLength} characters`);
    const scalar = entry === null || typeof entry === 'boolean' || (typeof entry === 'number' && Number.isFinite(entry)) || typeof entry === 'string';
    if (!scalar) throw metadataError(`metadata.${key} must be a string, number, boolean or null`);
    if (typeof entry === 'string' && entry.length > METADATA_LIMITS.valueLength) {
      throw metadataError(`metadata.${key} is longer than ${METADATA_LIMITS.valueLength} characters`);
    }
  }
  return parsed as PersonMetadata;
}

const metadataError = (message: string): ApiError => new ApiError('invalid_request', message, { problems: [{ in: 'body', path: '/metadata', message }] });

/** Several images in JSON: base64 strings. */
export const Base64Images = (maxImages: number): TSchema =>
  Type.Array(Base64Image, { minItems: 1, maxItems: maxImages, description: `1 to ${maxImages} images (API_MAX_IMAGES), base64.` });

/** Several images in multipart: the field `image`, repeated (`-F image=@a.jpg -F image=@b.jpg`). */
export const ImageFiles = (maxImages: number): TSchema =>
  Type.Union([FileField('One image file.'), Type.Array(FileField('An image file.'), { minItems: 1, maxItems: maxImages })], {
    description: `1 to ${maxImages} image files (API_MAX_IMAGES), each in a field named \`image\`.`,
  });

/** The images of a body: base64 strings or uploaded files (one or several). */
export function imagesOf(images: unknown): Uint8Array[] {
  if (images === undefined) return [];
  const list = Array.isArray(images) ? images : [images];
  return list.map((image) => (typeof image === 'string' ? Buffer.from(image, 'base64') : (image as Buffer)));
}

/** A rejected enrolment image in a response. */
export const RejectedImage = Type.Object({
  index: Type.Integer({ description: 'Position of the image in the request (0 = first).' }),
  code: Type.String({ description: 'face_not_detected, poor_quality, multiple_faces, image_decode_error or invalid_image.' }),
  reason: Type.String({ description: 'The quality verdict (too_small, too_blurry, extreme_pose) for poor_quality; otherwise what went wrong.' }),
});

export const rejectedJson = (rejected: readonly { index: number; code: string; reason: string }[]) =>
  rejected.map(({ index, code, reason }) => ({ index, code, reason }));
