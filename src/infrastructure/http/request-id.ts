import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept only if it is a short token: it goes into every log line and span of the request. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is a sane token, otherwise a new UUID. */
export function requestIdOf(header: string | readonly string[] | undefined): string {
  const value = Array.isArray(header) ? undefined : (header as string | undefined);
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}
