/**
 * Uploaded files in JSON Schema. @fastify/multipart (attachFieldsToBody:
 * 'keyValues') hands a file field to validation as a Buffer, which no
 * standard keyword accepts, while OpenAPI documents a file as
 * `{type: string, format: binary}`. A file field is therefore declared with
 * the keyword `binaryFile`: Ajv checks it is a Buffer (`binaryFileKeyword`),
 * and the OpenAPI generator rewrites it to the documented form
 * (`documentedSchema`). Nothing is mutated: the same schema object may be
 * used by several routes.
 */
import { Type, type TUnsafe } from '@sinclair/typebox';

export const BINARY_FILE_KEYWORD = 'binaryFile';

/** The part of Ajv this module needs (Ajv itself is fastify's, not ours to import). */
export interface KeywordRegistry {
  addKeyword(definition: {
    keyword: string;
    schemaType: 'boolean';
    compile: (schema: unknown) => (data: unknown) => boolean;
    error: { message: string };
  }): unknown;
}

/** Ajv plugin: `binaryFile: true` accepts an uploaded file (a Buffer) and nothing else. */
export function binaryFileKeyword(ajv: KeywordRegistry): void {
  ajv.addKeyword({
    keyword: BINARY_FILE_KEYWORD,
    schemaType: 'boolean',
    compile: (required) => (data) => required !== true || Buffer.isBuffer(data),
    error: { message: 'must be an uploaded file' },
  });
}

/** A file field of a multipart/form-data body. */
export const FileField = (description: string): TUnsafe<Buffer> => Type.Unsafe<Buffer>({ [BINARY_FILE_KEYWORD]: true, description });

/** A copy of `schema` (string keys only) with every `binaryFile` schema in its documented OpenAPI form. */
export function documentedSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(documentedSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Record<string, unknown>;
  if (source[BINARY_FILE_KEYWORD] === true) {
    const rest = Object.fromEntries(Object.entries(source).filter(([key]) => key !== BINARY_FILE_KEYWORD));
    return { ...rest, type: 'string', format: 'binary' };
  }
  return Object.fromEntries(Object.entries(source).map(([key, value]) => [key, documentedSchema(value)]));
}
