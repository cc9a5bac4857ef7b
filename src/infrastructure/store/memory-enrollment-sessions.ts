import { randomUUID } from 'node:crypto';
import { SessionFull, SessionNotFound } from '../../application/gallery-errors';
import type { EnrollmentSession, EnrollmentSessionStore, SessionCandidate } from '../../application/ports/enrollment-sessions';

interface HeldSession {
  readonly personId: string;
  readonly expiresAtMs: number;
  readonly candidates: SessionCandidate[];
}

/**
 * Enrolment sessions of embedded mode, in the process's memory (the one
 * process serves every request; sessions are short-lived and not worth a
 * file). Same TTL semantics as the Redis store: a session is gone once its
 * time is up, whether or not anyone looks; expired ones are swept every
 * `sweepMs` so abandoned sessions do not pile up. Held in clear: the
 * process memory holds the whole decrypted index anyway.
 */
export class MemoryEnrollmentSessions implements EnrollmentSessionStore {
  private readonly sessions = new Map<string, HeldSession>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    sweepMs = 30_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepMs);
    this.sweeper.unref();
  }

  open(personId: string, ttlMs: number): Promise<EnrollmentSession> {
    const id = randomUUID();
    const held: HeldSession = { personId, expiresAtMs: this.now() + ttlMs, candidates: [] };
    this.sessions.set(id, held);
    return Promise.resolve(view(id, held));
  }

  get(sessionId: string): Promise<EnrollmentSession | null> {
    const held = this.live(sessionId);
    return Promise.resolve(held ? view(sessionId, held) : null);
  }

  add(sessionId: string, candidates: readonly SessionCandidate[], maxCandidates: number): Promise<EnrollmentSession> {
    const held = this.live(sessionId);
    if (!held) return Promise.reject(new SessionNotFound(sessionId));
    if (held.candidates.length + candidates.length > maxCandidates) return Promise.reject(new SessionFull(sessionId, maxCandidates));
    held.candidates.push(...candidates);
    return Promise.resolve(view(sessionId, held));
  }

  close(sessionId: string): Promise<boolean> {
    const held = this.live(sessionId);
    this.sessions.delete(sessionId);
    return Promise.resolve(held !== undefined);
  }

  /** Stops the sweeper (shutdown). */
  dispose(): void {
    clearInterval(this.sweeper);
    this.sessions.clear();
  }

  private live(sessionId: string): HeldSession | undefined {
    const held = this.sessions.get(sessionId);
    if (held && held.expiresAtMs <= this.now()) {
      this.sessions.delete(sessionId);
      return undefined;
    }
    return held;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, held] of this.sessions) if (held.expiresAtMs <= now) this.sessions.delete(id);
  }
}

const view = (id: string, held: HeldSession): EnrollmentSession => ({
  id,
  personId: held.personId,
  expiresAt: new Date(held.expiresAtMs).toISOString(),
  candidates: [...held.candidates],
});
