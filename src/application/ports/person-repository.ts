import type { Person } from '../../domain/person';

/** A change to the gallery, as every replica learns of it. */
export type GalleryChange =
  | { readonly kind: 'upsert'; readonly personId: string; readonly version: number }
  | { readonly kind: 'delete'; readonly personId: string }
  /**
   * The feed lost changes this follower had not read yet (a bounded feed
   * trimmed while it was disconnected): whoever mirrors the gallery must
   * reload all() and drop the people it no longer finds.
   */
  | { readonly kind: 'resync' };

export interface PersonPage {
  readonly people: readonly Person[];
  /** Opaque; pass it back to get the next page. null on the last page. */
  readonly nextCursor: string | null;
}

export interface ChangeSubscription {
  close(): Promise<void>;
}

/**
 * The store of record of the gallery (Redis in Redis mode, files under
 * DATA_DIR in embedded mode). Adapters encrypt embeddings at rest. Every
 * write is published to the change feed in the same atomic step, so a
 * replica that loaded the gallery and then follows the feed misses nothing.
 *
 * Errors: PersonExists (create), PersonNotFound (replace), VersionConflict
 * (replace with a stale version), StorageError (the store did not answer or
 * a record cannot be decrypted).
 */
export interface PersonRepository {
  create(person: Person): Promise<void>;
  get(personId: string): Promise<Person | null>;
  /** Writes `person` (whose version is expectedVersion + 1) if the stored version is still `expectedVersion`. */
  replace(person: Person, expectedVersion: number): Promise<void>;
  /** Purges every copy; false when the id is unknown. */
  delete(personId: string): Promise<boolean>;
  /** People in id order, `limit` at a time. */
  list(limit: number, cursor: string | null): Promise<PersonPage>;
  /** Every person, for loading an index at start-up. */
  all(): AsyncIterable<Person>;
  /**
   * Calls `onChange` for every change made after the call (by this process
   * or any other), in order. Resolves once following has started.
   */
  watch(onChange: (change: GalleryChange) => void): Promise<ChangeSubscription>;
}
