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
import { ensureServiceBuilt, stopAllServices, waitFor } from './service-process';

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
  let redis: RedisServer | undefined;
  let client: Redis | undefined;
  let producer: Redis | undefined;

  beforeAll(async () => {
    await ensureServiceBuilt();
    redis = await startRedisServer(options.server);
    client = new Redis(redis.url);
    if (options.producer) producer = new Redis(redis.url);
  });

  if (options.stopServicesAfterEach) {
    afterEach(async () => {
      await stopAllServices();
    });
  }

  afterAll(async () => {
    await stopAllServices();
    client?.disconnect();
    producer?.disconnect();
    await redis?.dispose();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useRuntimeRedis: ${what} is not available (outside the describe's tests, or not requested)`);
    return value;
  };
  return {
    get redis() {
      return started(redis, 'the redis-server');
    },
    get client() {
      return started(client, 'the client');
    },
    get producer() {
      return started(producer, 'the producer (pass { producer: true })');
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
