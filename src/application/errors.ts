import { FaceRecognitionError, type ErrorContext } from '../domain/errors';

/**
 * More work was asked of the service than it takes on at once; the caller may
 * retry after `retryAfterSeconds`. The stream's frames are never refused this
 * way: only requests that would compete with them for the inference workers.
 */
export class Overloaded extends FaceRecognitionError {
  readonly code = 'overloaded';
  constructor(
    message: string,
    context: ErrorContext = {},
    readonly retryAfterSeconds = 1,
  ) {
    super(message, context);
  }
}
