import type { Embedding } from './embedding';

/** Free-form facts a client keeps with a person (badge number, team …): flat JSON scalars only. */
export type PersonMetadata = Readonly<Record<string, string | number | boolean | null>>;

/** One enrolled photo of a person, reduced to what matching needs and what the API may show. */
export interface PersonEmbedding {
  /** The L2-normalised embedding; never leaves the service (no response, no log). */
  readonly vector: Embedding;
  /** Quality of the face it came from: size in px, sharpness, yaw; shown by GET /v1/faces/{id}. */
  readonly quality: { readonly faceSize: number; readonly sharpness: number; readonly yaw: number };
  readonly createdAt: string;
}

/**
 * A person of the gallery: the store of record keeps one such record per
 * person; every replica's search index is derived from it. `version` grows by
 * one with each write, so concurrent writers detect each other (optimistic
 * concurrency) and replicas ignore stale change-feed entries.
 */
export interface Person {
  readonly id: string;
  readonly name: string | null;
  readonly metadata: PersonMetadata;
  readonly embeddings: readonly PersonEmbedding[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** Ids travel in URLs, Redis keys and file names: a conservative alphabet, 1–128 characters. */
export const PERSON_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;

export const isValidPersonId = (id: string): boolean => PERSON_ID_PATTERN.test(id);
