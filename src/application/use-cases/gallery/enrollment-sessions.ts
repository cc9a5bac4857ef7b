import { bestScored } from '../../../domain/enrolment';
import { FaceNotDetected } from '../../../domain/errors';
import { isValidPersonId, type Person, type PersonMetadata } from '../../../domain/person';
import { PersonExists, SessionNotFound } from '../../gallery-errors';
import type { EnrollmentSession, EnrollmentSessionStore, SessionCandidate } from '../../ports/enrollment-sessions';
import type { PersonRepository } from '../../ports/person-repository';
import { storedEmbedding, type GalleryImages, type ImageRejection, type ImageWorkCall } from './gallery-images';
import { InvalidPersonId } from './invalid-person-id';
import { changePerson, noWriteListener, type GalleryWriteListener } from './person-writes';

export interface EnrollmentSessionOptions {
  /** How long a session lives after it is opened. */
  readonly ttlMs: number;
  /** Most faces a session holds; more is SessionFull. */
  readonly maxCandidates: number;
  /** How many of the best faces a commit enrols. */
  readonly commitFaces: number;
}

/** Opens a session that collects faces of one person from several frames. */
export class OpenEnrollment {
  constructor(
    private readonly sessions: EnrollmentSessionStore,
    private readonly options: EnrollmentSessionOptions,
  ) {}

  async execute(personId: string): Promise<EnrollmentSession> {
    if (!isValidPersonId(personId)) throw new InvalidPersonId(personId);
    return this.sessions.open(personId, this.options.ttlMs);
  }
}

export interface SessionImagesResult {
  readonly session: EnrollmentSession;
  /** Faces of this call kept by the session. */
  readonly accepted: number;
  readonly rejected: readonly ImageRejection[];
}

/**
 * Adds frames to a session: each must hold exactly one face that passes the
 * quality gate (the enrolment rule); the others are reported and dropped.
 * Frames from a camera are often unusable, so a call whose every frame is
 * refused still succeeds, saying why.
 */
export class AddEnrollmentImages {
  constructor(
    private readonly sessions: EnrollmentSessionStore,
    private readonly images: GalleryImages,
    private readonly options: EnrollmentSessionOptions,
  ) {}

  async execute(sessionId: string, images: readonly Uint8Array[], call: ImageWorkCall = {}): Promise<SessionImagesResult> {
    // Unknown or expired sessions fail before any inference.
    const before = await this.sessions.get(sessionId);
    if (before === null) throw new SessionNotFound(sessionId);
    const faces = await this.images.enrolmentFaces(images, call);
    const candidates: SessionCandidate[] = faces.accepted.map((face) => ({ ...storedEmbedding(face), score: face.score }));
    const session = candidates.length > 0 ? await this.sessions.add(sessionId, candidates, this.options.maxCandidates) : before;
    return { session, accepted: candidates.length, rejected: faces.rejected };
  }
}

export interface CommitEnrollmentCommand {
  readonly sessionId: string;
  /** The person's name when the commit creates them; for an existing person, a new name. */
  readonly name?: string | null;
  readonly metadata?: PersonMetadata;
}

export interface CommitResult {
  readonly person: Person;
  readonly enrolled: number;
  /** The person did not exist before this commit. */
  readonly created: boolean;
}

/**
 * Enrols the session's best faces (by enrolment score): creates the person,
 * or adds them to an existing person's, then closes the session. A session
 * with no usable face is FaceNotDetected, and stays open for more frames.
 */
export class CommitEnrollment {
  constructor(
    private readonly sessions: EnrollmentSessionStore,
    private readonly repository: PersonRepository,
    private readonly options: EnrollmentSessionOptions,
    private readonly listener: GalleryWriteListener = noWriteListener,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(command: CommitEnrollmentCommand): Promise<CommitResult> {
    const session = await this.sessions.get(command.sessionId);
    if (session === null) throw new SessionNotFound(command.sessionId);
    if (session.candidates.length === 0) {
      throw new FaceNotDetected('the enrolment session holds no usable face yet: add images first', { sessionId: session.id });
    }
    const chosen = bestScored(session.candidates, this.options.commitFaces).map(({ score: _score, ...embedding }) => embedding);
    const result = await this.enrol(session.personId, chosen, command);
    await this.sessions.close(session.id);
    this.listener.personWritten(result.person);
    return result;
  }

  private async enrol(personId: string, embeddings: Person['embeddings'], command: CommitEnrollmentCommand): Promise<CommitResult> {
    const at = this.now().toISOString();
    if ((await this.repository.get(personId)) === null) {
      const person: Person = {
        id: personId,
        name: command.name ?? null,
        metadata: command.metadata ?? {},
        embeddings,
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      try {
        await this.repository.create(person);
        return { person, enrolled: embeddings.length, created: true };
      } catch (error) {
        // Created by someone else since we looked: add to theirs.
        if (!(error instanceof PersonExists)) throw error;
      }
    }
    const person = await changePerson(this.repository, personId, (current) => ({
      ...current,
      name: command.name !== undefined ? command.name : current.name,
      metadata: command.metadata ?? current.metadata,
      embeddings: [...current.embeddings, ...embeddings],
      updatedAt: at,
    }));
    return { person, enrolled: embeddings.length, created: false };
  }
}

/** Abandons a session (its faces are dropped); SessionNotFound when unknown or expired. */
export class AbandonEnrollment {
  constructor(private readonly sessions: EnrollmentSessionStore) {}

  async execute(sessionId: string): Promise<void> {
    if (!(await this.sessions.close(sessionId))) throw new SessionNotFound(sessionId);
  }
}
