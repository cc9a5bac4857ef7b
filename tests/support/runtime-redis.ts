/**
 * Shared fixture of the service runtime tests: the service built once, a
 * throw-away redis-server, a client for assertions and, when asked, a second
 * client that produces frames. Call it at the top of a describe block; it
 * registers the beforeAll/afterAll (and optionally afterEach) hooks.
 *
 *   const rt = useRuntimeRedis({ producer: true });
 *   ... ServiceProcess.start({ REDIS_URL: rt.redis.url, ... }) ...
 *   ... await pushFrames(rt.producer, ...) ...
 */
import { Redis } from 'ioredis';
import { queueState, tallyResults, waitForResults, type ResultTally, type StreamClient } from './frames';
import { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server';
import { useRuntimeFixture } from './runtime-fixture';
import { waitFor } from './service-process';

export interface RuntimeRedisOptions {
  /** Options of the redis-server (e.g. appendonly). */
  readonly server?: RedisServerOptions;
  /** Also open a second connection for the frame producer. Default false. */
  readonly producer?: boolean;
  /** Stop every service process after each test as well. Default false. */
  readonly stopServicesAfterEach?: boolean;
}

export interface RuntimeRedis {
  readonly redis: RedisServer;
  readonly client: Redis;
  readonly producer: Redis;
}

export function useRuntimeRedis(options: RuntimeRedisOptions = {}): RuntimeRedis {
  const parts = useRuntimeFixture({
    name: 'useRuntimeRedis',
    stopServicesAfterEach: options.stopServicesAfterEach ?? false,
    start: async () => {
      const redis = await startRedisServer(options.server);
      return { redis, client: new Redis(redis.url), producer: options.producer ? new Redis(redis.url) : undefined };
    },
    stop: async ({ redis, client, producer }) => {
      client.disconnect();
      producer?.disconnect();
      await redis.dispose();
    },
  });
  return {
    get redis() {
      return parts().redis;
    },
    get client() {
      return parts().client;
    },
    get producer() {
      const producer = parts().producer;
      if (!producer) throw new Error('useRuntimeRedis: the producer is not available (pass { producer: true })');
      return producer;
    },
  };
}

/** Waits for one result per pushed frame (120 s by default), reporting the service's log tail on a timeout. */
export function waitForFrameResults(
  client: StreamClient,
  frames: readonly { readonly frameId: string }[],
  service: { tail(): string },
  timeoutMs = 120_000,
): Promise<ResultTally> {
  return waitForResults(client, frames.map((f) => f.frameId), timeoutMs, () => service.tail());
}

/**
 * Waits (120 s at most, polling every 10 ms) until at least `atLeast` of the
 * frames have a result while frames are still in flight (read, not
 * acknowledged), reporting the service's log tail on a timeout.
 */
export async function waitForResultsWithFramesInFlight(
  client: StreamClient,
  processorId: string,
  frameIds: readonly string[],
  atLeast: number,
  service: { tail(): string },
): Promise<void> {
  await waitFor(
    async () => {
      const { once } = await tallyResults(client, frameIds);
      if (once < atLeast) return undefined;
      return (await queueState(client, processorId)).pending > 0;
    },
    { timeoutMs: 120_000, intervalMs: 10, what: () => `${atLeast} results and frames in flight\n${service.tail()}` },
  );
}
