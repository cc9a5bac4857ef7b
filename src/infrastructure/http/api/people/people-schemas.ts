import { Type } from '@sinclair/typebox';
import { FaceJson } from '../schemas/face';
import { FileField } from '../schemas/binary-file';
import { Base64Image } from '../schemas/image-body';
import { Base64Images, ImageFiles, MetadataField, MetadataJson, PersonId, PersonName, RejectedImage } from '../schemas/person-fields';

const Nullable = (type: 'string' | 'number', description: string) => Type.Unsafe<string | number | null>({ type, nullable: true, description });

export const PersonParams = Type.Object({ person_id: PersonId });

export function registerBody(maxImages: number) {
  return {
    content: {
      'application/json': {
        schema: Type.Object(
          { person_id: PersonId, name: Type.Optional(PersonName), metadata: Type.Optional(MetadataField), images: Base64Images(maxImages) },
          { additionalProperties: false },
        ),
      },
      'multipart/form-data': {
        schema: Type.Object(
          {
            person_id: PersonId,
            name: Type.Optional(Type.String({ maxLength: 256 })),
            metadata: Type.Optional(Type.String({ description: 'The metadata object as JSON text.' })),
            image: ImageFiles(maxImages),
          },
          { additionalProperties: false },
        ),
      },
    },
  };
}

export function updateBody(maxImages: number) {
  const replace = Type.Optional(Type.Boolean({ default: false, description: 'true: the images replace every enrolled one (then images are required); false: they are added.' }));
  return {
    content: {
      'application/json': {
        schema: Type.Object(
          { name: Type.Optional(PersonName), metadata: Type.Optional(MetadataField), images: Type.Optional(Base64Images(maxImages)), replace },
          { additionalProperties: false },
        ),
      },
      'multipart/form-data': {
        schema: Type.Object(
          {
            name: Type.Optional(Type.String({ maxLength: 256 })),
            metadata: Type.Optional(Type.String({ description: 'The metadata object as JSON text.' })),
            image: Type.Optional(ImageFiles(maxImages)),
            replace,
          },
          { additionalProperties: false },
        ),
      },
    },
  };
}

export const EnrolmentResponse = Type.Object({
  person_id: PersonId,
  enrolled: Type.Integer({ description: 'Images enrolled by this request.' }),
  embeddings: Type.Integer({ description: 'Embeddings the person now has.' }),
  rejected: Type.Array(RejectedImage, { description: 'Images not enrolled, and why.' }),
});

const EmbeddingQuality = Type.Object({
  face_size: Type.Number({ description: 'Shorter side of the face box, pixels.' }),
  sharpness: Type.Number({ description: 'Sharpness of the face at its own resolution (variance of the Laplacian).' }),
  yaw: Type.Number({ description: 'Estimated head yaw, degrees.' }),
  created_at: Type.String({ format: 'date-time' }),
});

export const PersonResponse = Type.Object(
  {
    person_id: PersonId,
    name: PersonName,
    metadata: MetadataJson,
    embeddings: Type.Integer({ description: 'Number of enrolled embeddings (never the embeddings themselves).' }),
    quality: Type.Array(EmbeddingQuality, { description: 'Quality of the face each embedding came from, in enrolment order.' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { description: 'A person of the gallery.' },
);

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'People per page.' }),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The `next_cursor` of the previous page.' })),
});

export const ListResponse = Type.Object({
  people: Type.Array(PersonResponse),
  next_cursor: Nullable('string', 'Pass as `cursor` for the next page; null on the last page.'),
});

export const verifyBody = {
  content: {
    'application/json': {
      schema: Type.Object(
        {
          image: Base64Image,
          person_id: Type.Optional(PersonId),
          top_k: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 5, description: '1:N: candidates per face.' })),
        },
        { additionalProperties: false },
      ),
    },
    'multipart/form-data': {
      schema: Type.Object(
        {
          image: FileField('The image file.'),
          person_id: Type.Optional(PersonId),
          top_k: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 5 })),
        },
        { additionalProperties: false },
      ),
    },
  },
};

export const OneToOneResponse = Type.Object(
  {
    match: Type.Boolean({ description: 'similarity ≥ threshold.' }),
    similarity: Type.Number({ description: 'Cosine similarity of the face to the person\'s template.' }),
    threshold: Type.Number({ description: 'The verification threshold (MATCH_THRESHOLD).' }),
  },
  { description: '1:1 (person_id given): is the image\'s face this person?' },
);

const Candidate = Type.Object({ person_id: PersonId, name: PersonName, similarity: Type.Number() });

export const IdentifiedFaceJson = Type.Object({
  box: FaceJson.properties.box,
  score: FaceJson.properties.score,
  quality: FaceJson.properties.quality,
  candidates: Type.Array(Candidate, { description: 'The top_k most similar people, best first; empty when the face failed the quality gate.' }),
  identity: Type.Object({
    status: Type.Unsafe<'known' | 'unknown'>({ type: 'string', enum: ['known', 'unknown'] }),
    person_id: Type.Optional(PersonId),
    similarity: Nullable('number', 'The best candidate\'s similarity; null when none.'),
  }),
});

export const OneToManyResponse = Type.Object(
  {
    threshold: Type.Number({ description: 'The identification threshold a candidate must reach to be the face\'s identity.' }),
    faces: Type.Array(IdentifiedFaceJson),
  },
  { description: '1:N (no person_id): who is each face of the image?' },
);

export const VerifyResponse = Type.Union([OneToOneResponse, OneToManyResponse]);
