import { randomUUID } from 'node:crypto';
import { SessionFull, SessionNotFound, StorageError } from '../../application/gallery-errors';
import type { EnrollmentSession, EnrollmentSessionStore, SessionCandidate } from '../../application/ports/enrollment-sessions';
import type { RedisClient } from '../redis/redis-connection';
import { defineScript, type ScriptRunner } from '../redis/redis-scripts';
import { toText } from '../redis/stream-codec';
import { enrollmentSessionKey } from './gallery-redis-keys';
import { ADD_SESSION_CANDIDATES_LUA } from './gallery-scripts';
import { vectorFromBase64, vectorToBase64 } from './person-codec';
import type { RecordSealer } from './record-sealer';
import { sealedFromJson, sealedToJson, type SealedJson } from './sealed-json';

const SESSION_ID = /^[0-9a-f-]{36}$/;

/**
 * Enrolment sessions in Redis: one hash per session
 * ({gallery}:session:<id>) with a PX TTL set when it opens (adding faces
 * never extends it), holding the person id, the expiry and one sealed field
 * per candidate face (c:1, c:2 …; its embedding is as personal as a
 * gallery record's, so it is encrypted the same way, bound to the session).
 */
export class RedisEnrollmentSessions implements EnrollmentSessionStore {
  private readonly addScript: ScriptRunner;

  constructor(
    private readonly client: RedisClient,
    private readonly sealer: RecordSealer,
  ) {
    this.addScript = defineScript(client, 'gallery_session_add', ADD_SESSION_CANDIDATES_LUA, 1);
  }

  async open(personId: string, ttlMs: number): Promise<EnrollmentSession> {
    const id = randomUUID();
    const expiresAt = new Date(Date.now() + ttlMs).toISOString();
    const key = enrollmentSessionKey(id);
    await this.run('open', id, () => this.client.multi().hset(key, 'person_id', personId, 'expires_at', expiresAt, 'count', 0).pexpire(key, ttlMs).exec());
    return { id, personId, expiresAt, candidates: [] };
  }

  async get(sessionId: string): Promise<EnrollmentSession | null> {
    if (!SESSION_ID.test(sessionId)) return null;
    const fields = await this.run('read', sessionId, () => this.client.hgetall(enrollmentSessionKey(sessionId)));
    if (!fields || fields.person_id === undefined) return null;
    const count = Number(fields.count ?? '0');
    const candidates: SessionCandidate[] = [];
    for (let i = 1; i <= count; i += 1) {
      const raw = fields[`c:${i}`];
      if (raw !== undefined) candidates.push(this.openCandidate(sessionId, raw));
    }
    return { id: sessionId, personId: fields.person_id, expiresAt: fields.expires_at ?? '', candidates };
  }

  async add(sessionId: string, candidates: readonly SessionCandidate[], maxCandidates: number): Promise<EnrollmentSession> {
    if (!SESSION_ID.test(sessionId)) throw new SessionNotFound(sessionId);
    const sealed = candidates.map((candidate) => this.sealCandidate(sessionId, candidate));
    const outcome = toText(await this.run('add', sessionId, () => this.addScript([enrollmentSessionKey(sessionId)], [maxCandidates, ...sealed])));
    if (outcome === 'missing') throw new SessionNotFound(sessionId);
    if (outcome === 'full') throw new SessionFull(sessionId, maxCandidates);
    const session = await this.get(sessionId);
    if (!session) throw new SessionNotFound(sessionId); // expired right after the add
    return session;
  }

  async close(sessionId: string): Promise<boolean> {
    if (!SESSION_ID.test(sessionId)) return false;
    return (await this.run('close', sessionId, () => this.client.del(enrollmentSessionKey(sessionId)))) === 1;
  }

  private sealCandidate(sessionId: string, candidate: SessionCandidate): string {
    const body = JSON.stringify({
      v: vectorToBase64(candidate.vector),
      q: [candidate.quality.faceSize, candidate.quality.sharpness, candidate.quality.yaw],
      t: candidate.createdAt,
      s: candidate.score,
    });
    return JSON.stringify(sealedToJson(this.sealer.seal(Buffer.from(body, 'utf8'), `session:${sessionId}`)));
  }

  private openCandidate(sessionId: string, raw: string): SessionCandidate {
    const what = `a face of enrolment session '${sessionId}'`;
    let sealed;
    try {
      sealed = sealedFromJson(JSON.parse(raw) as SealedJson);
    } catch {
      throw new StorageError(`${what} is malformed`, { sessionId, reason: 'malformed_record' });
    }
    const plain = this.sealer.open(sealed, `session:${sessionId}`, what);
    try {
      const body = JSON.parse(plain.toString('utf8')) as { v: string; q: [number, number, number]; t: string; s: number };
      return { vector: vectorFromBase64(body.v), quality: { faceSize: body.q[0], sharpness: body.q[1], yaw: body.q[2] }, createdAt: body.t, score: body.s };
    } catch {
      throw new StorageError(`${what} is malformed`, { sessionId, reason: 'malformed_record' });
    }
  }

  private async run<T>(operation: string, sessionId: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new StorageError(`enrolment session ${operation} failed in Redis: ${error instanceof Error ? error.message : String(error)}`, { sessionId }, { cause: error });
    }
  }
}
