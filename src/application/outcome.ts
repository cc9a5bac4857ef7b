import type { FaceRecognitionError } from '../domain/errors';

/** The per-item result of a batched operation in which items fail independently. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: FaceRecognitionError };

export const success = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failure = <T>(error: FaceRecognitionError): Outcome<T> => ({ ok: false, error });
