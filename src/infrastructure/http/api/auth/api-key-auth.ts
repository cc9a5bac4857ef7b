import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors/api-error';
import type { ApiKeyring } from './api-keys';

export const API_KEY_HEADER = 'X-API-Key';

export const NO_KEYS_MESSAGE = 'no API keys are configured on this service: set API_KEYS or API_KEYS_FILE';

/**
 * Every route of the scope requires `X-API-Key`: the secret of one of the
 * configured keys. The key's id is put on the request (logs, spans, the rate
 * limit); the secret goes nowhere. With no keys configured every request is
 * refused, saying so.
 */
export function requireApiKey(app: FastifyInstance, keyring: ApiKeyring): void {
  app.addHook('onRequest', async (request) => {
    if (keyring.size === 0) throw new ApiError('unauthorized', NO_KEYS_MESSAGE);
    const header = request.headers[API_KEY_HEADER.toLowerCase()];
    const presented = typeof header === 'string' ? header : undefined;
    if (presented === undefined || presented === '') throw new ApiError('unauthorized', 'missing X-API-Key header');
    const keyId = keyring.identify(presented);
    if (keyId === null) throw new ApiError('unauthorized', 'unknown API key');
    request.apiKeyId = keyId;
  });
}
