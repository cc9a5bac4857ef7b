import { Redis } from 'ioredis';
import { BenchHarnessError } from './bench-harness-error';

/** Connection attempts before a harness gives up on Redis (ioredis would otherwise retry for ever, printing each failure). */
const CONNECT_ATTEMPTS = 3;
const RETRY_DELAY_MS = 200;

/** host:port of a Redis URL: what an error may say, without a password. */
function where(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the given URL';
  }
}

/**
 * A connected ioredis client for a benchmark harness (loadgen, soak), or a
 * BenchHarnessError that says which Redis could not be reached and why,
 * after a few attempts. Connection errors are handled here, so an unreachable
 * Redis prints one clear error instead of ioredis's "Unhandled error event"
 * stack traces.
 */
export async function connectHarnessRedis(url: string, connectionName: string): Promise<Redis> {
  let lastError: Error | undefined;
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName,
    retryStrategy: (attempt) => (attempt < CONNECT_ATTEMPTS ? RETRY_DELAY_MS : null),
  });
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    const cause = lastError ?? (error instanceof Error ? error : new Error(String(error)));
    throw new BenchHarnessError(`cannot connect to Redis at ${where(url)}: ${cause.message}`, { redis: where(url), attempts: CONNECT_ATTEMPTS });
  }
}
