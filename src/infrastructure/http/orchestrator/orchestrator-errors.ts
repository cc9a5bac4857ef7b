import { FaceRecognitionError, type ErrorContext } from '../../../domain/errors';

/**
 * The orchestrator answered with a 4xx we do not expect (400 bad body, 401/403
 * credentials, ...): retrying the same request will not help.
 * Context: method, url (without credentials), status, body (an excerpt).
 */
export class OrchestratorRejected extends FaceRecognitionError {
  readonly code = 'orchestrator_rejected';
  readonly status: number;
  readonly bodyExcerpt: string;
  constructor(message: string, status: number, bodyExcerpt: string, context: ErrorContext = {}) {
    super(message, { ...context, status, body: bodyExcerpt });
    this.status = status;
    this.bodyExcerpt = bodyExcerpt;
  }
}

/** A registration we refuse to send (the orchestrator would answer 500 or route frames nowhere). */
export class InvalidRegistrationError extends FaceRecognitionError {
  readonly code = 'invalid_registration';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}
