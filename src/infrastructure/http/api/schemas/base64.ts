/**
 * Base64 in JSON Schema (`format: byte`, OpenAPI's name for it). Ajv's
 * stock `byte` format (ajv-formats) tests one regular expression with a
 * repeated group, which overflows V8's regexp stack from about 4.5 million
 * characters (a 3.3 MB image) and fails the request with a RangeError. The
 * check here decodes and re-encodes natively, which was mostly several times
 * faster than a linear character-class regexp on a 6 MB photo's base64 and
 * never slower (adr/0006): it runs on the event loop that serves the stream.
 */

/** The part of Ajv this module needs. */
export interface FormatRegistry {
  addFormat(name: string, format: { type: 'string'; validate: (value: string) => boolean }): unknown;
}

/**
 * Canonical standard base64 (RFC 4648 §4): padded, no line breaks, no
 * URL-safe letters. Node's decoder skips what it does not know, so any such
 * character makes the re-encoded text differ.
 */
export const isBase64 = (value: string): boolean => Buffer.from(value, 'base64').toString('base64') === value;

/** Replaces Ajv's `byte` format (call after ajv-formats is added: fastify's `ajv.onCreate`). */
export function safeByteFormat(ajv: FormatRegistry): void {
  ajv.addFormat('byte', { type: 'string', validate: isBase64 });
}
