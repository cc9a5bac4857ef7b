import { Overloaded } from '../../../application/errors';
import { FaceRecognitionError, ImageTooLargeError } from '../../../domain/errors';
import { ApiError, type ApiErrorCode } from './api-error';

/**
 * The one place where an error becomes an HTTP answer. In order:
 * - ApiError: as is (raised by the HTTP layer itself: auth, rate limit, bad base64);
 * - the project's typed errors (src/domain/errors.ts, src/application/errors.ts), by code;
 * - fastify's and its plugins' own errors, by their `code`;
 * - anything else: 500 internal_error with a generic message (the caller logs the error).
 */
export function toApiError(error: unknown, limits: MappingLimits): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof FaceRecognitionError) return fromTypedError(error);
  const framework = fromFrameworkError(error, limits);
  if (framework !== undefined) return framework;
  return new ApiError('internal_error', 'internal error');
}

/** Limits named in the messages of framework errors. */
export interface MappingLimits {
  readonly bodyLimitBytes: number;
}

/** Domain and application error codes → API codes. A code missing here is an internal error. */
const TYPED_ERROR_CODES: Readonly<Record<string, ApiErrorCode>> = {
  image_decode_error: 'image_decode_error',
  invalid_image: 'invalid_image',
  image_too_large: 'invalid_image',
  face_not_detected: 'face_not_detected',
  invalid_landmarks: 'model_error',
  degenerate_alignment: 'model_error',
  embedding_mismatch: 'model_error',
  dependency_unavailable: 'storage_error',
  storage_error: 'storage_error',
  person_not_found: 'person_not_found',
  person_exists: 'person_exists',
  version_conflict: 'version_conflict',
  session_not_found: 'session_not_found',
  session_full: 'session_full',
  multiple_faces: 'multiple_faces',
  poor_quality: 'poor_quality',
  invalid_person_id: 'invalid_request',
  invalid_cursor: 'invalid_request',
  overloaded: 'overloaded',
};

function fromTypedError(error: FaceRecognitionError): ApiError {
  const code = TYPED_ERROR_CODES[error.code] ?? 'internal_error';
  // A pipeline error's context carries only facts (sizes, limits), never bytes or embeddings (domain/errors.ts).
  const details = {
    ...(error instanceof ImageTooLargeError ? { reason: 'too_many_pixels' } : {}),
    ...error.context,
  };
  const headers: Record<string, string> = error instanceof Overloaded ? { 'Retry-After': String(error.retryAfterSeconds) } : {};
  if (code === 'internal_error' || code === 'model_error') return new ApiError(code, code === 'model_error' ? 'the face models returned an unusable result' : 'internal error');
  return new ApiError(code, error.message, Object.keys(details).length > 0 ? details : undefined, headers);
}

interface FrameworkError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
  readonly validation?: readonly { readonly instancePath?: string; readonly message?: string; readonly keyword?: string; readonly params?: unknown }[];
  readonly validationContext?: unknown;
}

const asFrameworkError = (error: unknown): FrameworkError | undefined =>
  typeof error === 'object' && error !== null ? (error as FrameworkError) : undefined;

/** fastify, @fastify/multipart and @fastify/rate-limit errors, by code; then by status for the rest of their 4xx. */
function fromFrameworkError(error: unknown, limits: MappingLimits): ApiError | undefined {
  const e = asFrameworkError(error);
  if (e === undefined) return undefined;
  switch (e.code) {
    case 'FST_ERR_VALIDATION':
      return validationError(e);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ApiError('payload_too_large', `the request body is larger than ${limits.bodyLimitBytes} bytes`, { limit_bytes: limits.bodyLimitBytes });
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new ApiError('payload_too_large', 'the multipart request has more parts than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('image_decode_error', 'unsupported Content-Type: send application/json with a base64 image, or multipart/form-data with an image file');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_request', 'the JSON body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_request', 'the body is not valid JSON');
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === 413) return new ApiError('payload_too_large', `the request body is larger than ${limits.bodyLimitBytes} bytes`, { limit_bytes: limits.bodyLimitBytes });
  if (status === 415) return new ApiError('image_decode_error', 'unsupported Content-Type');
  // Other client errors of the framework (malformed JSON, a truncated multipart body, a prototype-poisoning field …).
  if (status !== undefined && status >= 400 && status < 500) {
    return new ApiError('invalid_request', typeof e.message === 'string' && e.message !== '' ? e.message : 'invalid request');
  }
  return undefined;
}

/** Ajv's findings as `details.problems`: where (a JSON pointer into the part) and what. */
function validationError(e: FrameworkError): ApiError {
  const part = typeof e.validationContext === 'string' ? e.validationContext : 'request';
  const problems = (e.validation ?? []).map((issue) => ({
    in: part,
    path: issue.instancePath === '' || issue.instancePath === undefined ? '/' : issue.instancePath,
    message: issue.message ?? issue.keyword ?? 'is invalid',
  }));
  const first = problems[0];
  const message = first === undefined ? `invalid ${part}` : `invalid ${part}: ${first.path === '/' ? '' : `${first.path} `}${first.message}`;
  return new ApiError('invalid_request', message, { problems });
}
