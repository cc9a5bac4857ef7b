import { StorageError } from '../../application/gallery-errors';
import type { Person, PersonEmbedding, PersonMetadata } from '../../domain/person';

/**
 * The secret part of a person record: everything but the id and the version
 * (names and metadata are personal data too). Embeddings travel as the
 * base64 of their little-endian float32 bytes: 4 bytes a component instead
 * of ~20 as JSON numbers, and exactly the stored values back.
 */
interface PersonBodyJson {
  readonly n: string | null;
  readonly m: PersonMetadata;
  readonly c: string;
  readonly u: string;
  readonly e: readonly { readonly v: string; readonly q: [number, number, number]; readonly t: string }[];
}

export const personAad = (personId: string, version: number): string => `person:${personId}:${version}`;

export function vectorToBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i += 1) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString('base64');
}

export function vectorFromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`embedding of ${bytes.length} bytes is not float32`);
  const vector = new Float32Array(bytes.length / 4);
  for (let i = 0; i < vector.length; i += 1) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}

export function encodePersonBody(person: Person): Buffer {
  const body: PersonBodyJson = {
    n: person.name,
    m: person.metadata,
    c: person.createdAt,
    u: person.updatedAt,
    e: person.embeddings.map((embedding) => ({
      v: vectorToBase64(embedding.vector),
      q: [embedding.quality.faceSize, embedding.quality.sharpness, embedding.quality.yaw],
      t: embedding.createdAt,
    })),
  };
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** `what` names the record in errors; a body that does not parse is a StorageError (never quoting the body). */
export function decodePersonBody(id: string, version: number, plain: Buffer, what: string): Person {
  try {
    const body = JSON.parse(plain.toString('utf8')) as PersonBodyJson;
    if (typeof body !== 'object' || body === null || !Array.isArray(body.e) || typeof body.c !== 'string' || typeof body.u !== 'string') {
      throw new Error('missing fields');
    }
    const embeddings: PersonEmbedding[] = body.e.map((entry) => ({
      vector: vectorFromBase64(entry.v),
      quality: { faceSize: entry.q[0], sharpness: entry.q[1], yaw: entry.q[2] },
      createdAt: entry.t,
    }));
    return { id, name: body.n ?? null, metadata: body.m ?? {}, embeddings, createdAt: body.c, updatedAt: body.u, version };
  } catch {
    // JSON.parse quotes the text it failed on: the message must not carry it.
    throw new StorageError(`${what} is malformed: not a person record`, { reason: 'malformed_record' });
  }
}
