import type { FastifyRequest } from 'fastify';

export type AuditAction = 'person.register' | 'person.update' | 'person.delete' | 'enrollment.commit';

/**
 * One audit line per change of the gallery: what, which person, which API
 * key (its id, never the secret), which request. Nothing else: no image, no
 * embedding, no name or metadata (personal data stays in the store).
 */
export function audit(request: FastifyRequest, action: AuditAction, personId: string): void {
  request.log.info({ audit: action, personId, keyId: request.apiKeyId, requestId: request.id }, 'audit');
}
