/**
 * Key names of the gallery in Redis. Every key carries the hash tag
 * `{gallery}`, so on a Redis Cluster they all live in one slot: a write can
 * change a record, the id index and the change feed in one Lua script.
 * (The gallery is small next to the frame traffic; one slot holds millions
 * of records. adr/0008.)
 */
export const GALLERY_HASH_TAG = '{gallery}';

export const personKey = (personId: string): string => `${GALLERY_HASH_TAG}:person:${personId}`;
/** Sorted set of every person id, all with score 0: ZRANGE BYLEX pages them in id order. */
export const peopleIndexKey = `${GALLERY_HASH_TAG}:people`;
/** The change feed: one entry per write (kind, person_id, version). */
export const galleryChangesKey = `${GALLERY_HASH_TAG}:changes`;
export const enrollmentSessionKey = (sessionId: string): string => `${GALLERY_HASH_TAG}:session:${sessionId}`;
