import { Type, type Static } from '@sinclair/typebox';

/**
 * Every error code the HTTP API answers with, and its one status. Adding a
 * code here is all a new route needs to answer with it; `error-mapping.ts`
 * says which typed error becomes which code.
 */
export const API_ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  person_not_found: 404,
  session_not_found: 404,
  method_not_allowed: 405,
  person_exists: 409,
  version_conflict: 409,
  payload_too_large: 413,
  image_decode_error: 415,
  invalid_image: 422,
  face_not_detected: 422,
  multiple_faces: 422,
  poor_quality: 422,
  session_full: 422,
  rate_limited: 429,
  internal_error: 500,
  model_error: 500,
  storage_error: 503,
  overloaded: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

export const API_ERROR_CODES = Object.keys(API_ERROR_STATUS) as ApiErrorCode[];

/** Machine-readable facts about an error (limits, field paths, reasons); never image bytes, embeddings or secrets. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** The body of every error answer: `{"error":{"code","message","details"?}}`. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      // An enum, not a union of literals: OpenAPI 3.0 has no `const`.
      code: Type.Unsafe<ApiErrorCode>({ type: 'string', enum: API_ERROR_CODES, description: 'Stable machine-readable code; each code has one HTTP status.' }),
      message: Type.String({ description: 'What went wrong, for people.' }),
      details: Type.Optional(
        Type.Object({}, { additionalProperties: true, description: 'Facts to act on: limits, invalid fields, reasons.' }),
      ),
    }),
  },
  { $id: 'ErrorResponse', description: 'An error.' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** An error the API answers with as is: its code fixes the status. */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    /** Response headers that belong to the error (Retry-After, Allow). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = API_ERROR_STATUS[code];
  }

  toBody(): ErrorResponse {
    return { error: { code: this.code, message: this.message, ...(this.details !== undefined ? { details: { ...this.details } } : {}) } };
  }
}
