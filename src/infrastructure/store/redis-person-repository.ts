import { InvalidCursor, PersonExists, PersonNotFound, StorageError, VersionConflict } from '../../application/gallery-errors';
import type { ChangeSubscription, GalleryChange, PersonPage, PersonRepository } from '../../application/ports/person-repository';
import { isValidPersonId, type Person } from '../../domain/person';
import { closeRedisConnection, type RedisClient } from '../redis/redis-connection';
import { defineScript, type ScriptRunner } from '../redis/redis-scripts';
import { writeReplicated } from '../redis/replication';
import { decodeEntryFields, parseStreamReadReply, toText } from '../redis/stream-codec';
import { galleryChangesKey, peopleIndexKey, personKey } from './gallery-redis-keys';
import { CREATE_PERSON_LUA, DELETE_PERSON_LUA, REPLACE_PERSON_LUA } from './gallery-scripts';
import { decodeCursor, encodeCursor } from './page-cursor';
import { decodePersonBody, encodePersonBody, personAad } from './person-codec';
import type { RecordSealer, SealedBody } from './record-sealer';
import { compareStreamIds, streamInfoField } from './stream-ids';

export interface RedisPersonRepositoryOptions {
  /** Approximate cap of the change feed (MAXLEN ~). */
  readonly changesMaxLen: number;
  /** A new connection for one watch() (the blocking XREAD must have its own). */
  readonly connectFollower: () => RedisClient;
  /** Longest blocking read, so that close() is noticed promptly even if the disconnect is slow. Default 5 s. */
  readonly blockMs?: number;
  readonly logger?: { warn(message: string, context?: Record<string, unknown>): void };
  /**
   * Redis Cluster (REDIS_WAIT_TIMEOUT_MS): after each write, WAIT for the
   * master's replicas, so an acknowledged enrolment survives a failover.
   * Unset: no WAIT (a single node).
   */
  readonly replicationTimeoutMs?: number;
}

const PAGE_FOR_ALL = 200;

interface FeedInfo {
  readonly lastId: string;
  readonly length: number;
  /** Entries ever added (Redis ≥ 7); null when the server does not say. */
  readonly entriesAdded: number | null;
  /** The oldest entry still in the feed; null when empty or unknown. */
  readonly firstId: string | null;
}
const FOLLOW_BATCH = 500;

/**
 * The store of record in Redis mode. One hash per person
 * ({gallery}:person:<id>: version, key id, IV and tag in clear, the sealed
 * body), a sorted set of ids for paging, and a stream as the change feed,
 * all written together by one Lua script (gallery-scripts.ts).
 */
export class RedisPersonRepository implements PersonRepository {
  private readonly scripts: Record<'create' | 'replace' | 'delete', { readonly run: ScriptRunner; readonly lua: string }>;
  private readonly followers = new Set<ChangeSubscription>();

  constructor(
    private readonly client: RedisClient,
    private readonly sealer: RecordSealer,
    private readonly options: RedisPersonRepositoryOptions,
  ) {
    this.scripts = {
      create: { run: defineScript(client, 'gallery_create', CREATE_PERSON_LUA, 3), lua: CREATE_PERSON_LUA },
      replace: { run: defineScript(client, 'gallery_replace', REPLACE_PERSON_LUA, 3), lua: REPLACE_PERSON_LUA },
      delete: { run: defineScript(client, 'gallery_delete', DELETE_PERSON_LUA, 3), lua: DELETE_PERSON_LUA },
    };
  }

  /**
   * Runs a write script; on a cluster as EVAL followed by WAIT in one
   * pipeline (writeReplicated: one node, one connection; EVAL rather than
   * EVALSHA, which ioredis would re-send outside the pipeline after a
   * NOSCRIPT, behind the WAIT).
   */
  private async write(operation: 'create' | 'replace' | 'delete', personId: string, args: readonly (string | number | Buffer)[]): Promise<unknown> {
    const keys = this.keysOf(personId);
    const script = this.scripts[operation];
    const timeoutMs = this.options.replicationTimeoutMs;
    if (timeoutMs === undefined) return this.run(operation, personId, () => script.run(keys, args));
    try {
      const [reply] = await writeReplicated(this.client, keys[0] as string, (pipeline) => void pipeline.eval(script.lua, keys.length, ...keys, ...args), timeoutMs, `gallery ${operation}`);
      return reply;
    } catch (error) {
      throw storageError(`gallery ${operation} of '${personId}' is not confirmed on the replicas (it may be lost if the master fails now)`, personId, error);
    }
  }

  async create(person: Person): Promise<void> {
    const outcome = toText(await this.write('create', person.id, this.recordArgs(person)));
    if (outcome === 'exists') throw new PersonExists(person.id);
  }

  async replace(person: Person, expectedVersion: number): Promise<void> {
    const outcome = toText(await this.write('replace', person.id, [...this.recordArgs(person), String(expectedVersion)]));
    if (outcome === 'missing') throw new PersonNotFound(person.id);
    if (outcome === 'conflict') throw new VersionConflict(person.id, expectedVersion);
  }

  async delete(personId: string): Promise<boolean> {
    if (!isValidPersonId(personId)) return false;
    const removed = await this.write('delete', personId, [personId, this.options.changesMaxLen]);
    return Number(removed) === 1;
  }

  async get(personId: string): Promise<Person | null> {
    if (!isValidPersonId(personId)) return null;
    const fields = await this.run('read', personId, () => this.client.hgetallBuffer(personKey(personId)));
    return this.decode(personId, fields);
  }

  async list(limit: number, cursor: string | null): Promise<PersonPage> {
    const after = cursor === null ? null : decodeCursor(cursor, isValidPersonId);
    if (cursor !== null && after === null) throw new InvalidCursor();
    const ids = (
      await this.run('list', null, () => this.client.zrangebylex(peopleIndexKey, after === null ? '-' : `(${after}`, '+', 'LIMIT', 0, limit + 1))
    ).map(toText);
    const pageIds = ids.slice(0, limit);
    const people = await this.readMany(pageIds);
    const last = pageIds[pageIds.length - 1];
    return { people, nextCursor: ids.length > limit && last !== undefined ? encodeCursor(last) : null };
  }

  async *all(): AsyncIterable<Person> {
    let cursor: string | null = null;
    do {
      const page: PersonPage = await this.list(PAGE_FOR_ALL, cursor);
      yield* page.people;
      cursor = page.nextCursor;
    } while (cursor !== null);
  }

  /**
   * Follows {gallery}:changes with XREAD BLOCK on a connection of its own,
   * from the feed's last id at the call. The feed is bounded (MAXLEN ~), so
   * after each batch it checks that nothing unread was trimmed: trimming
   * removes the oldest entries first, so if the last entry this follower
   * read is gone too, entries between it and the batch may be gone (it was
   * away for about MAXLEN writes); from an empty feed, fewer entries than
   * were added since the call means the same. It then reports one 'resync'
   * instead of silently missing changes (Redis ≥ 7: XINFO's entries-added
   * and recorded-first-entry-id).
   */
  async watch(onChange: (change: GalleryChange) => void): Promise<ChangeSubscription> {
    const connection = this.options.connectFollower();
    let position: FeedInfo;
    try {
      position = await this.feedInfo(connection);
    } catch (error) {
      await closeRedisConnection(connection, 500);
      throw storageError('cannot start following the gallery change feed', null, error);
    }
    let lastId = position.lastId;
    let lastIsEntry = position.length > 0;
    const addedAtStart = position.entriesAdded;
    let closed = false;
    const lostEntries = (info: FeedInfo, before: string, beforeIsEntry: boolean): boolean => {
      if (info.entriesAdded === null || addedAtStart === null) return false; // Redis < 7 cannot tell
      if (beforeIsEntry) return info.firstId !== null && compareStreamIds(info.firstId, before) > 0;
      return info.length < info.entriesAdded - addedAtStart;
    };
    const follow = async (): Promise<void> => {
      while (!closed) {
        try {
          const reply: unknown = await connection.xreadBuffer('COUNT', FOLLOW_BATCH, 'BLOCK', this.options.blockMs ?? 5000, 'STREAMS', galleryChangesKey, lastId);
          const entries = parseStreamReadReply(reply, galleryChangesKey);
          if (entries.length === 0 || closed) continue;
          const [before, beforeIsEntry] = [lastId, lastIsEntry];
          lastId = entries[entries.length - 1]?.id ?? lastId;
          lastIsEntry = true;
          if (lostEntries(await this.feedInfo(connection), before, beforeIsEntry)) {
            onChange({ kind: 'resync' });
            continue;
          }
          for (const entry of entries) {
            const change = toChange(entry.fields ? decodeEntryFields(entry.fields).fields : {});
            if (change) onChange(change);
          }
        } catch (error) {
          if (closed) return;
          this.options.logger?.warn('gallery change feed read failed; retrying', { error: error instanceof Error ? error.message : String(error) });
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    };
    const loop = follow();
    const subscription: ChangeSubscription = {
      close: async () => {
        if (closed) return;
        closed = true;
        this.followers.delete(subscription);
        connection.disconnect();
        await loop;
      },
    };
    this.followers.add(subscription);
    return subscription;
  }

  /** Stops every follower (the commands connection belongs to the caller). */
  async close(): Promise<void> {
    await Promise.all([...this.followers].map((follower) => follower.close()));
  }

  private keysOf(personId: string): string[] {
    return [personKey(personId), peopleIndexKey, galleryChangesKey];
  }

  private recordArgs(person: Person): (string | number | Buffer)[] {
    if (!isValidPersonId(person.id)) throw new StorageError(`'${person.id.slice(0, 140)}' is not a valid person id`, { reason: 'invalid_id' });
    const sealed = this.sealer.seal(encodePersonBody(person), personAad(person.id, person.version));
    return [person.id, String(person.version), sealed.keyId ?? '', sealed.iv, sealed.tag, sealed.body, this.options.changesMaxLen];
  }

  private async readMany(ids: readonly string[]): Promise<Person[]> {
    if (ids.length === 0) return [];
    // One slot ({gallery}): a cluster pipeline goes to one node in one round trip.
    const pipeline = this.client.pipeline();
    for (const id of ids) pipeline.hgetallBuffer(personKey(id));
    const replies = (await this.run('read', null, () => pipeline.exec())) ?? [];
    const people: Person[] = [];
    for (const [index, id] of ids.entries()) {
      const [error, fields] = replies[index] ?? [new Error('no reply'), null];
      if (error) throw storageError(`cannot read person '${id}'`, id, error);
      const person = this.decode(id, fields as Record<string, Buffer>);
      if (person) people.push(person); // deleted between the index read and this one
    }
    return people;
  }

  private decode(personId: string, fields: Record<string, Buffer> | null): Person | null {
    if (!fields || Object.keys(fields).length === 0) return null;
    const what = `person '${personId}'`;
    const version = Number(toText(fields.version));
    const { iv, tag, body } = fields;
    if (!Number.isInteger(version) || !iv || !tag || !body || fields.kid === undefined) {
      throw new StorageError(`${what} is malformed: not a person record`, { personId, reason: 'malformed_record' });
    }
    const keyId = toText(fields.kid);
    const sealed: SealedBody = { keyId: keyId === '' ? null : keyId, iv, tag, body };
    return decodePersonBody(personId, version, this.sealer.open(sealed, personAad(personId, version), what), what);
  }

  private async feedInfo(connection: RedisClient): Promise<FeedInfo> {
    let reply: unknown;
    try {
      reply = await connection.xinfo('STREAM', galleryChangesKey);
    } catch (error) {
      // No feed yet: every entry to come is after this call.
      if (error instanceof Error && /no such key/i.test(error.message)) return { lastId: '0-0', length: 0, entriesAdded: 0, firstId: null };
      throw error;
    }
    const added = streamInfoField(reply, 'entries-added');
    const firstId = streamInfoField(reply, 'recorded-first-entry-id');
    return {
      lastId: streamInfoField(reply, 'last-generated-id') ?? '0-0',
      length: Number(streamInfoField(reply, 'length') ?? '0'),
      entriesAdded: added === undefined ? null : Number(added),
      firstId: firstId === undefined || firstId === '0-0' ? null : firstId,
    };
  }

  private async run<T>(operation: string, personId: string | null, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw storageError(`gallery ${operation} failed in Redis`, personId, error);
    }
  }
}

function toChange(fields: Record<string, string>): GalleryChange | null {
  const personId = fields.person_id;
  if (!personId) return null;
  if (fields.kind === 'delete') return { kind: 'delete', personId };
  const version = Number(fields.version);
  return fields.kind === 'upsert' && Number.isInteger(version) ? { kind: 'upsert', personId, version } : null;
}

function storageError(message: string, personId: string | null, error: unknown): StorageError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageError(`${message}: ${reason}`, personId === null ? {} : { personId }, { cause: error });
}
