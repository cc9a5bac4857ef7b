/** Shared helpers of the Redis integration tests (not a test file itself). */
import type { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../support/redis-server';
import { closeRedisConnection, createRedisConnection, type RedisClient } from '../../../src/infrastructure/redis/redis-connection';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs` (generous: the machine is noisy). */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export function connect(url: string, role: 'blocking' | 'commands', name: string): Redis {
  return createRedisConnection({ url, role, connectionName: `test:${name}` }) as Redis;
}

/** QUIT every client (a hard disconnect after 1 s, e.g. for a reader still blocked). */
export async function closeAll(...clients: (RedisClient | undefined)[]): Promise<void> {
  await Promise.all(clients.map((client) => (client ? closeRedisConnection(client, 1000) : undefined)));
}

/** The string fields frame-buffer-v2 XADDs to a processor queue. */
export function frameFields(frameId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    frame_id: frameId,
    camera_id: 'cam-1',
    timestamp: '2026-01-02T03:04:05.678Z',
    size_bytes: '1234',
    width: '640',
    height: '480',
    format: 'jpeg',
    trace_context: JSON.stringify({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }),
    metadata: JSON.stringify({ zone: 'entrance' }),
    priority: 'normal',
    storage_path: '',
    storage_backend: 'redis',
    ...extra,
  };
}

export const flat = (fields: Record<string, string | Buffer>): (string | Buffer)[] => Object.entries(fields).flat();

/** XRANGE with string fields as a record. */
export async function entries(client: Redis, stream: string): Promise<{ id: string; fields: Record<string, string> }[]> {
  const raw = await client.xrange(stream, '-', '+');
  return raw.map(([id, list]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) fields[list[i] as string] = list[i + 1] as string;
    return { id, fields };
  });
}

/**
 * A redis-server for the whole describe block with an `admin` connection for
 * set-up and assertions, flushed before each test. Call it at the top of the
 * describe block; it registers the hooks (its beforeEach runs before the
 * block's own).
 */
export function useFlushedRedis(): { readonly server: RedisServer; readonly admin: Redis } {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;

  beforeAll(async () => {
    server = await startRedisServer();
    admin = connect(server.url, 'commands', 'admin');
  });

  afterAll(async () => {
    await closeAll(admin);
    await server?.dispose();
  });

  beforeEach(async () => {
    await admin?.flushall();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useFlushedRedis: the redis-server is not started (use it inside the describe block)');
    return value;
  };
  return {
    get server() {
      return started(server);
    },
    get admin() {
      return started(admin);
    },
  };
}
