import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { GalleryUseCases } from '../../../../application/use-cases/gallery/gallery-use-cases';
import type { ApiRouteContext } from '../api-context';
import { audit } from '../people/audit';
import { errorResponses } from '../schemas/error-responses';
import { imagesOf, metadataOf, rejectedJson } from '../schemas/person-fields';
import { CommitBody, CommitResponse, OpenBody, OpenResponse, SessionImagesResponse, SessionParams, sessionImagesBody } from './enrollment-schemas';

export interface EnrollmentRoutesOptions extends ApiRouteContext {
  readonly gallery: GalleryUseCases;
}

/** /v1/enrollments: enrol a person from several camera frames, keeping the best faces. */
export function enrollmentRoutes(app: FastifyInstance, options: EnrollmentRoutesOptions): void {
  const { gallery, limits } = options;

  app.post<{ Body: Static<typeof OpenBody> }>(
    '/enrollments',
    {
      schema: {
        tags: ['enrollments'],
        operationId: 'openEnrollment',
        summary: 'Open an enrolment session for a person (new or existing)',
        body: OpenBody,
        response: { 201: OpenResponse, ...errorResponses(['storage_error']) },
      },
    },
    async (request, reply) => {
      const session = await gallery.openEnrollment.execute(request.body.person_id);
      return reply.code(201).send({ session_id: session.id, person_id: session.personId, expires_at: session.expiresAt });
    },
  );

  app.post<{ Params: Static<typeof SessionParams>; Body: { images?: unknown; image?: unknown } }>(
    '/enrollments/:session_id/images',
    {
      schema: {
        tags: ['enrollments'],
        operationId: 'addEnrollmentImages',
        summary: 'Add frames to an enrolment session',
        description:
          'Each image must hold exactly one face that passes the quality gate; the others are listed in `rejected` (the request still succeeds). ' +
          'A session holds at most ENROLLMENT_MAX_FACES faces (then 422 session_full).',
        params: SessionParams,
        body: sessionImagesBody(limits.maxImages),
        response: {
          200: SessionImagesResponse,
          ...errorResponses(['payload_too_large', 'image_decode_error', 'invalid_image', 'session_not_found', 'session_full', 'storage_error']),
        },
      },
    },
    async (request) => {
      const result = await gallery.addEnrollmentImages.execute(request.params.session_id, imagesOf(request.body.images ?? request.body.image), {
        signal: options.abandoned(request),
        instrumentation: options.instrumentation(request),
      });
      return {
        session_id: result.session.id,
        accepted: result.accepted,
        faces: result.session.candidates.length,
        rejected: rejectedJson(result.rejected),
        expires_at: result.session.expiresAt,
      };
    },
  );

  app.post<{ Params: Static<typeof SessionParams>; Body: Static<typeof CommitBody> }>(
    '/enrollments/:session_id/commit',
    {
      schema: {
        tags: ['enrollments'],
        operationId: 'commitEnrollment',
        summary: 'Enrol the best faces of the session, and close it',
        description: 'Creates the person, or adds the faces to an existing one. A session without a usable face answers 422 face_not_detected and stays open.',
        params: SessionParams,
        body: CommitBody,
        response: { 200: CommitResponse, ...errorResponses(['session_not_found', 'face_not_detected', 'version_conflict', 'storage_error']) },
      },
      // The body is optional: a commit without one (no Content-Type) is validated as an empty object.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request) => {
      const body = request.body;
      const metadata = metadataOf(body.metadata);
      const result = await gallery.commitEnrollment.execute({
        sessionId: request.params.session_id,
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      });
      audit(request, 'enrollment.commit', result.person.id);
      return { person_id: result.person.id, enrolled: result.enrolled, embeddings: result.person.embeddings.length, created: result.created };
    },
  );

  app.delete<{ Params: Static<typeof SessionParams> }>(
    '/enrollments/:session_id',
    {
      schema: {
        tags: ['enrollments'],
        operationId: 'abandonEnrollment',
        summary: 'Abandon an enrolment session (its faces are dropped)',
        params: SessionParams,
        response: { 204: { type: 'null', description: 'Abandoned.' }, ...errorResponses(['session_not_found', 'storage_error']) },
      },
    },
    async (request, reply) => {
      await gallery.abandonEnrollment.execute(request.params.session_id);
      return reply.code(204).send();
    },
  );
}
