import type { PersonEmbedding } from '../../domain/person';

/** A face kept by an enrolment session until it is committed. */
export interface SessionCandidate extends PersonEmbedding {
  /** Larger is better: commit keeps the best-scored candidates. */
  readonly score: number;
}

export interface EnrollmentSession {
  readonly id: string;
  readonly personId: string;
  readonly expiresAt: string;
  readonly candidates: readonly SessionCandidate[];
}

/**
 * Enrolment sessions, for enrolling a person from several camera frames:
 * short-lived (a TTL; Redis in Redis mode), encrypted like the gallery.
 * Errors: SessionNotFound (unknown or expired id), SessionFull, StorageError.
 */
export interface EnrollmentSessionStore {
  open(personId: string, ttlMs: number): Promise<EnrollmentSession>;
  get(sessionId: string): Promise<EnrollmentSession | null>;
  /** Appends candidates (at most `maxCandidates` in all, else SessionFull) and returns the session. */
  add(sessionId: string, candidates: readonly SessionCandidate[], maxCandidates: number): Promise<EnrollmentSession>;
  /** false when the id is unknown or expired. */
  close(sessionId: string): Promise<boolean>;
}
