import { FaceRecognitionError, type ErrorContext } from '../domain/errors';

/** No person with this id in the gallery. */
export class PersonNotFound extends FaceRecognitionError {
  readonly code = 'person_not_found';
  constructor(personId: string) {
    super(`no person with id '${personId}'`, { personId });
  }
}

/** A person with this id is already enrolled (register is create-only; use update). */
export class PersonExists extends FaceRecognitionError {
  readonly code = 'person_exists';
  constructor(personId: string) {
    super(`a person with id '${personId}' already exists`, { personId });
  }
}

/** Someone else changed the person between our read and our write; the caller may retry. */
export class VersionConflict extends FaceRecognitionError {
  readonly code = 'version_conflict';
  constructor(personId: string, expectedVersion: number) {
    super(`person '${personId}' was changed by another request`, { personId, expectedVersion });
  }
}

/** The enrolment session does not exist or has expired. */
export class SessionNotFound extends FaceRecognitionError {
  readonly code = 'session_not_found';
  constructor(sessionId: string) {
    super(`no enrolment session '${sessionId}' (unknown or expired)`, { sessionId });
  }
}

/** The enrolment session already holds as many faces as it may. */
export class SessionFull extends FaceRecognitionError {
  readonly code = 'session_full';
  constructor(sessionId: string, maxCandidates: number) {
    super(`enrolment session '${sessionId}' already holds ${maxCandidates} faces`, { sessionId, maxCandidates });
  }
}

/** An enrolment photo holds more than one face: which one is the person is ambiguous. */
export class MultipleFaces extends FaceRecognitionError {
  readonly code = 'multiple_faces';
  constructor(faces: number, context: ErrorContext = {}) {
    super(`the image holds ${faces} faces; an enrolment photo must hold exactly one`, { ...context, faces });
  }
}

/** The face is too small, blurred or turned to be enrolled or verified; `reason` is the quality verdict. */
export class PoorQuality extends FaceRecognitionError {
  readonly code = 'poor_quality';
  constructor(reason: string, context: ErrorContext = {}) {
    super(`the face failed the quality gate: ${reason}`, { ...context, reason });
  }
}

/** The gallery store did not answer, or a record cannot be read (e.g. encrypted with a key we do not hold). */
export class StorageError extends FaceRecognitionError {
  readonly code = 'storage_error';
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, options);
  }
}

/** A paging cursor that no listing of this gallery handed out (the HTTP layer answers 400 invalid_request). */
export class InvalidCursor extends FaceRecognitionError {
  readonly code = 'invalid_cursor';
  constructor() {
    super('the cursor is not one this gallery handed out');
  }
}
