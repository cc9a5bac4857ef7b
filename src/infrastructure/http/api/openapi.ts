import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { ErrorResponse } from '../errors/api-error';
import { API_KEY_HEADER } from './auth/api-key-auth';
import { documentedSchema } from './schemas/binary-file';

export const OPENAPI_PATH = '/openapi.json';

/**
 * Generates the OpenAPI 3.0 document from the schemas of the routes
 * registered after this call in the same scope (@fastify/swagger), and serves
 * it at `/openapi.json` of the scope. OpenAPI 3.0 rather than 3.1: the widest
 * tool support; route schemas therefore keep to its subset of JSON Schema
 * (no `const`, no tuples, no `patternProperties`), which the OpenAPI
 * validator in the tests enforces.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.addSchema(ErrorResponse);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'face-recognition API',
        version,
        description:
          'Face detection, a gallery of people (register, verify 1:1, identify 1:N, update, delete) and enrolment sessions. Every route requires the header `X-API-Key`; ' +
          'errors are `{"error":{"code","message","details"?}}` and each code has one HTTP status.',
      },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: API_KEY_HEADER } } },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'faces', description: 'Faces in an image' },
        { name: 'people', description: 'The gallery: register, look up, update, delete people; verify and identify faces' },
        { name: 'enrollments', description: 'Enrolment from several camera frames' },
      ],
    },
    transform: ({ schema, url }) => ({ schema: documentedSchema(schema) as typeof schema, url }),
    // Shared schemas appear under their $id (components.schemas.ErrorResponse), not as def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}
