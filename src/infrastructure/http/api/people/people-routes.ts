import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EnrolmentResult } from '../../../../application/use-cases/gallery/register-person';
import type { GalleryUseCases } from '../../../../application/use-cases/gallery/gallery-use-cases';
import type { IdentifiedFace } from '../../../../application/use-cases/gallery/verify-face';
import { faceToJson } from '../../../../domain/face-json';
import type { Person, PersonMetadata } from '../../../../domain/person';
import { ApiError } from '../../errors/api-error';
import type { ApiRouteContext } from '../api-context';
import { errorResponses } from '../schemas/error-responses';
import { imagesOf, metadataOf, rejectedJson } from '../schemas/person-fields';
import { audit } from './audit';
import {
  EnrolmentResponse,
  ListQuery,
  ListResponse,
  OneToManyResponse,
  PersonParams,
  PersonResponse,
  registerBody,
  updateBody,
  verifyBody,
  VerifyResponse,
} from './people-schemas';

export interface PeopleRoutesOptions extends ApiRouteContext {
  readonly gallery: GalleryUseCases;
}

/** What every body of these routes may carry, JSON or multipart (the schemas say which route takes what). */
interface PersonBody {
  readonly person_id?: string;
  readonly name?: string | null;
  readonly metadata?: unknown;
  readonly images?: unknown;
  readonly image?: unknown;
  readonly replace?: boolean;
  readonly top_k?: number;
}

const IMAGE_ERRORS = ['payload_too_large', 'image_decode_error', 'invalid_image', 'face_not_detected', 'multiple_faces', 'poor_quality'] as const;

const round = (value: number, digits = 4): number => Number(value.toFixed(digits));

export function personJson(person: Person): Static<typeof PersonResponse> {
  return {
    person_id: person.id,
    name: person.name,
    metadata: person.metadata,
    embeddings: person.embeddings.length,
    quality: person.embeddings.map((e) => ({
      face_size: round(e.quality.faceSize, 1),
      sharpness: round(e.quality.sharpness, 1),
      yaw: round(e.quality.yaw, 1),
      created_at: e.createdAt,
    })),
    created_at: person.createdAt,
    updated_at: person.updatedAt,
  };
}

const enrolmentJson = (result: EnrolmentResult): Static<typeof EnrolmentResponse> => ({
  person_id: result.person.id,
  enrolled: result.enrolled,
  embeddings: result.person.embeddings.length,
  rejected: rejectedJson(result.rejected),
});

function identifiedFaceJson(identified: IdentifiedFace): Static<typeof OneToManyResponse>['faces'][number] {
  const json = faceToJson(identified.face) as Static<typeof OneToManyResponse>['faces'][number];
  const { identity } = identified;
  return {
    box: json.box,
    score: json.score,
    quality: json.quality,
    candidates: identified.candidates.map((c) => ({ person_id: c.identityId, name: c.name, similarity: round(c.similarity) })),
    identity:
      identity.status === 'known'
        ? { status: 'known', person_id: identity.personId, similarity: round(identity.similarity) }
        : { status: 'unknown', similarity: identity.similarity === null ? null : round(identity.similarity) },
  };
}

/**
 * /v1/faces: the gallery's people (register, list, get, update, delete) and
 * verification / identification of the faces of an image.
 */
export function peopleRoutes(app: FastifyInstance, options: PeopleRoutesOptions): void {
  const { gallery, limits } = options;
  const call = (request: FastifyRequest) => ({ signal: options.abandoned(request), instrumentation: options.instrumentation(request) });

  app.post<{ Body: PersonBody }>(
    '/faces/register',
    {
      schema: {
        tags: ['people'],
        operationId: 'registerPerson',
        summary: 'Register a person from photos',
        description:
          'Creates a person from 1 to API_MAX_IMAGES photos, JSON (`images`: base64) or multipart (`image` files, `person_id`, `name`, `metadata` as JSON text). ' +
          'Each photo must hold exactly one face that passes the quality gate; photos that do not are listed in `rejected`. ' +
          'When none is usable the answer is the first photo\'s error (422 face_not_detected, multiple_faces, poor_quality; 415 image_decode_error …).',
        body: registerBody(limits.maxImages),
        response: { 201: EnrolmentResponse, ...errorResponses([...IMAGE_ERRORS, 'person_exists', 'storage_error']) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const metadata = metadataOf(body.metadata);
      const result = await gallery.registerPerson.execute(
        {
          personId: body.person_id as string,
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(metadata !== undefined ? { metadata } : {}),
          images: imagesOf(body.images ?? body.image),
        },
        call(request),
      );
      audit(request, 'person.register', result.person.id);
      return reply.code(201).send(enrolmentJson(result));
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/faces',
    {
      schema: {
        tags: ['people'],
        operationId: 'listPeople',
        summary: 'List the people, a page at a time',
        querystring: ListQuery,
        response: { 200: ListResponse, ...errorResponses(['storage_error']) },
      },
    },
    async (request) => {
      const page = await gallery.listPeople.execute(request.query.limit, request.query.cursor ?? null);
      return { people: page.people.map(personJson), next_cursor: page.nextCursor };
    },
  );

  app.get<{ Params: Static<typeof PersonParams> }>(
    '/faces/:person_id',
    {
      schema: {
        tags: ['people'],
        operationId: 'getPerson',
        summary: 'A person: name, metadata, number and quality of the embeddings (never an embedding)',
        params: PersonParams,
        response: { 200: PersonResponse, ...errorResponses(['person_not_found', 'storage_error']) },
      },
    },
    async (request) => personJson(await gallery.getPerson.execute(request.params.person_id)),
  );

  app.put<{ Params: Static<typeof PersonParams>; Body: PersonBody }>(
    '/faces/:person_id',
    {
      schema: {
        tags: ['people'],
        operationId: 'updatePerson',
        summary: 'Add photos to a person (or replace them all), rename, set metadata',
        description:
          'Photos as in register; `replace=true` makes them the person\'s only photos. `name` and `metadata` replace the stored values when given. ' +
          'Concurrent updates of one person are applied one after the other (optimistic versions, retried).',
        params: PersonParams,
        body: updateBody(limits.maxImages),
        response: { 200: EnrolmentResponse, ...errorResponses([...IMAGE_ERRORS, 'person_not_found', 'version_conflict', 'storage_error']) },
      },
    },
    async (request) => {
      const body = request.body;
      const images = imagesOf(body.images ?? body.image);
      if (body.replace === true && images.length === 0) {
        throw new ApiError('invalid_request', 'replace=true needs the images that replace the enrolled ones', {
          problems: [{ in: 'body', path: '/images', message: 'required with replace=true' }],
        });
      }
      const metadata: PersonMetadata | undefined = metadataOf(body.metadata);
      const result = await gallery.updatePerson.execute(
        {
          personId: request.params.person_id,
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(metadata !== undefined ? { metadata } : {}),
          images,
          replace: body.replace === true,
        },
        call(request),
      );
      audit(request, 'person.update', result.person.id);
      return enrolmentJson(result);
    },
  );

  app.delete<{ Params: Static<typeof PersonParams> }>(
    '/faces/:person_id',
    {
      schema: {
        tags: ['people'],
        operationId: 'deletePerson',
        summary: 'Delete a person (every copy, on every replica)',
        params: PersonParams,
        response: { 204: { type: 'null', description: 'Deleted.' }, ...errorResponses(['person_not_found', 'storage_error']) },
      },
    },
    async (request, reply) => {
      await gallery.deletePerson.execute(request.params.person_id);
      audit(request, 'person.delete', request.params.person_id);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: PersonBody }>(
    '/faces/verify',
    {
      schema: {
        tags: ['people'],
        operationId: 'verifyFace',
        summary: 'Verify a face against a person (1:1) or identify every face (1:N)',
        description:
          'With `person_id`: 1:1, the most central face that passes the quality gate against that person (`match`, `similarity`, `threshold`). ' +
          'Without: 1:N, every face with its box, quality, `top_k` candidates and identity (known when the best candidate reaches the identification threshold).',
        body: verifyBody,
        response: { 200: VerifyResponse, ...errorResponses([...IMAGE_ERRORS, 'person_not_found', 'storage_error']) },
      },
    },
    async (request) => {
      const body = request.body;
      const [image] = imagesOf(body.image);
      if (body.person_id !== undefined) {
        return gallery.verifyFace.oneToOne(image as Uint8Array, body.person_id, call(request)).then((r) => ({ ...r, similarity: round(r.similarity) }));
      }
      const result = await gallery.verifyFace.oneToMany(image as Uint8Array, body.top_k ?? 5, call(request));
      return { threshold: gallery.verifyFace.thresholds.identificationThreshold, faces: result.faces.map(identifiedFaceJson) };
    },
  );
}
