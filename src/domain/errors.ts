/**
 * Typed errors of the face pipeline. Every error carries a stable `code` for
 * machines (dead-letter reasons, metrics labels, CLI exit messages) and a
 * `context` with the facts needed to act on it. Context never holds image
 * bytes, embeddings or secrets.
 */
export type ErrorContext = Readonly<Record<string, string | number | boolean | null>>;

export abstract class FaceRecognitionError extends Error {
  abstract readonly code: string;
  readonly context: ErrorContext;

  protected constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.context = context;
  }
}

/** The bytes are not an image we can decode (empty, truncated, unknown format). */
export class ImageDecodeError extends FaceRecognitionError {
  readonly code = 'image_decode_error';
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, options);
  }
}

/** The image decodes but cannot be analysed (too small, too many pixels). */
export class InvalidImageError extends FaceRecognitionError {
  readonly code = 'invalid_image';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

/** The image declares more pixels than we accept (a decompression bomb or a mistake). */
export class ImageTooLargeError extends FaceRecognitionError {
  readonly code = 'image_too_large';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

/** A face was required (e.g. to compare two photos) but none was found. */
export class FaceNotDetected extends FaceRecognitionError {
  readonly code = 'face_not_detected';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

/** Landmarks came back in a shape the pipeline cannot use. */
export class InvalidLandmarksError extends FaceRecognitionError {
  readonly code = 'invalid_landmarks';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

/** Two embeddings of different sizes cannot be compared. */
export class EmbeddingMismatchError extends FaceRecognitionError {
  readonly code = 'embedding_mismatch';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

/** Landmarks are degenerate (all in one point): no similarity transform exists. */
export class DegenerateAlignmentError extends FaceRecognitionError {
  readonly code = 'degenerate_alignment';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

export const errorCode = (error: unknown): string =>
  error instanceof FaceRecognitionError ? error.code : 'internal_error';

/** A dependency (Redis, the orchestrator) did not answer; the work can be retried. */
export class DependencyUnavailable extends FaceRecognitionError {
  readonly code = 'dependency_unavailable';
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, options);
  }
}

/** A generated data set cannot be laid out as asked (too few photos per person, faces that do not fit a frame). */
export class SceneGenerationError extends FaceRecognitionError {
  readonly code = 'scene_generation_error';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}
