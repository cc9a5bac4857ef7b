/**
 * Base64 in JSON Schema (`format: byte`, OpenAPI's name for it). Ajv's
 * stock `byte` format (ajv-formats) tests one regular expression with a
 * repeated group, which overflows V8's regexp stack from about 4.5 million
 * characters (a 3.3 MB image) and fails the request with a RangeError. This
 * check is linear and allocation-free.
 */

/** The part of Ajv this module needs. */
export interface FormatRegistry {
  addFormat(name: string, format: { type: 'string'; validate: (value: string) => boolean }): unknown;
}

const BASE64_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64 (RFC 4648 §4) with padding, no line breaks. */
export const isBase64 = (value: string): boolean => value.length % 4 === 0 && BASE64_ALPHABET.test(value);

/** Replaces Ajv's `byte` format (call after ajv-formats is added: fastify's `ajv.onCreate`). */
export function safeByteFormat(ajv: FormatRegistry): void {
  ajv.addFormat('byte', { type: 'string', validate: isBase64 });
}
