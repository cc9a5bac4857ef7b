import { Type } from '@sinclair/typebox';
import { Base64Images, ImageFiles, MetadataField, PersonId, PersonName, RejectedImage } from '../schemas/person-fields';

export const SessionParams = Type.Object({ session_id: Type.String({ minLength: 1, maxLength: 128, description: 'The id `POST /v1/enrollments` answered.' }) });

export const OpenBody = Type.Object({ person_id: PersonId }, { additionalProperties: false });

export const OpenResponse = Type.Object({
  session_id: Type.String(),
  person_id: PersonId,
  expires_at: Type.String({ format: 'date-time', description: 'The session and its faces are dropped then (ENROLLMENT_SESSION_TTL_S after opening).' }),
});

export function sessionImagesBody(maxImages: number) {
  return {
    content: {
      'application/json': { schema: Type.Object({ images: Base64Images(maxImages) }, { additionalProperties: false }) },
      'multipart/form-data': { schema: Type.Object({ image: ImageFiles(maxImages) }, { additionalProperties: false }) },
    },
  };
}

export const SessionImagesResponse = Type.Object({
  session_id: Type.String(),
  accepted: Type.Integer({ description: 'Faces of this request kept by the session.' }),
  faces: Type.Integer({ description: 'Faces the session holds in all.' }),
  rejected: Type.Array(RejectedImage, { description: 'Images of this request not kept, and why.' }),
  expires_at: Type.String({ format: 'date-time' }),
});

export const CommitBody = Type.Object(
  { name: Type.Optional(PersonName), metadata: Type.Optional(MetadataField) },
  { additionalProperties: false, description: 'Optional: the name and metadata of the person (new or existing).' },
);

export const CommitResponse = Type.Object({
  person_id: PersonId,
  enrolled: Type.Integer({ description: 'Faces enrolled: the best of the session (ENROLLMENT_COMMIT_FACES at most).' }),
  embeddings: Type.Integer({ description: 'Embeddings the person now has.' }),
  created: Type.Boolean({ description: 'The commit created the person (false: the faces were added to an existing person).' }),
});
