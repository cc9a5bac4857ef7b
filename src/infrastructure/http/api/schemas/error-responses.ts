import { Type, type TSchema } from '@sinclair/typebox';
import { API_ERROR_STATUS, ErrorResponse, type ApiErrorCode } from '../../errors/api-error';

/** Answers every /v1 route can give, whatever it does. */
export const COMMON_ERRORS: readonly ApiErrorCode[] = ['invalid_request', 'unauthorized', 'rate_limited', 'internal_error', 'overloaded'];

/**
 * The `response` entries of a route's error answers, for OpenAPI: one entry
 * per status, naming the codes it carries. Routes list their own codes; the
 * common ones are added.
 */
export function errorResponses(codes: readonly ApiErrorCode[]): Record<number, TSchema> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of new Set([...COMMON_ERRORS, ...codes])) {
    const status = API_ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => [status, Type.Ref(ErrorResponse, { description: list.join(', ') })]),
  );
}
