import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A single-node client or a cluster client: the adapters accept both. */
export type RedisClient = Redis | Cluster;

export interface RedisConnectionLogger {
  warn(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
}

/**
 * - 'blocking': the connection of the blocking XREADGROUP. Commands never
 *   fail because of an outage (maxRetriesPerRequest null): a blocked read
 *   waits the outage out and is resent on reconnect. Use it for nothing else,
 *   a blocked connection delays every command queued behind it.
 * - 'commands': publishing, acknowledging, claiming, image reads. A command
 *   issued during an outage fails after `maxRetriesPerRequest` reconnection
 *   attempts (default 20, about 30 s with the backoff below), so a frame is
 *   not held forever; its entry stays pending and is redelivered.
 */
export type RedisConnectionRole = 'blocking' | 'commands';

export interface RedisConnectionOptions {
  /** redis://[user:password@]host:port[/db] or rediss:// (TLS). With `cluster`, one seed node. */
  readonly url: string;
  readonly cluster?: boolean;
  /** CLIENT SETNAME, e.g. "face-recognition:host-123:reader" (spaces are replaced). */
  readonly connectionName: string;
  readonly role: RedisConnectionRole;
  /** Overrides the role's default. */
  readonly maxRetriesPerRequest?: number | null;
  /** Do not connect before the first command / connect(). Default false. */
  readonly lazyConnect?: boolean;
  /** Receives connection errors and reconnections (the URL is redacted). Without it, errors are swallowed quietly. */
  readonly logger?: RedisConnectionLogger;
  /** Random source of the reconnect jitter (tests). */
  readonly random?: () => number;
}

const MAX_RECONNECT_DELAY_MS = 2000;
const DEFAULT_COMMAND_RETRIES = 20;
/**
 * Cluster: a command to a master that died, or refused with CLUSTERDOWN /
 * TRYAGAIN while a replica takes over, is sent again every 200 ms up to 50
 * times (ioredis: 100 ms, 16 times), so it rides out a failover of about 10 s
 * instead of failing after 1.6 s (measured here: 2.0-2.8 s with
 * cluster-node-timeout 1000 ms, tests/integration/cluster/failover.test.ts).
 * A frame whose publication still fails stays pending and waits CLAIM_IDLE_MS.
 */
const CLUSTER_RETRY_DELAY_MS = 200;
const CLUSTER_MAX_REDIRECTIONS = 50;

/** Reconnect delay after `attempt` failures (1-based): min(50·2^attempt, 2000) ms plus up to 20 % jitter. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(50 * 2 ** Math.min(Math.max(attempt, 0), 16), MAX_RECONNECT_DELAY_MS);
  return Math.round(base + base * 0.2 * random());
}

/** The URL without password (the user name stays: it helps, and is not a secret). */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid redis url>';
  }
}

/** CLIENT SETNAME accepts no spaces or newlines. */
const sanitizeName = (name: string): string => name.replace(/[^\x21-\x7e]/g, '_').slice(0, 120) || 'face-recognition';

interface ParsedUrl {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  readonly tls: boolean;
}

export function parseRedisUrl(url: string): ParsedUrl {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`not a redis URL: ${redactRedisUrl(url)}`);
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? undefined : Number(dbText);
  if (db !== undefined && (!Number.isInteger(db) || db < 0)) throw new Error(`invalid database number in ${redactRedisUrl(url)}`);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db !== undefined ? { db } : {}),
    tls: parsed.protocol === 'rediss:',
  };
}

/**
 * One ioredis connection (or cluster client) with reconnection that never
 * gives up (exponential backoff capped at 2 s, with jitter), the offline
 * queue on, a connection name, and error events routed to the logger.
 * Create one per role: the blocking reader must have its own.
 */
export function createRedisConnection(options: RedisConnectionOptions): RedisClient {
  const target = parseRedisUrl(options.url);
  const random = options.random ?? Math.random;
  const maxRetriesPerRequest =
    options.maxRetriesPerRequest !== undefined ? options.maxRetriesPerRequest : options.role === 'blocking' ? null : DEFAULT_COMMAND_RETRIES;
  const common = {
    connectionName: sanitizeName(options.connectionName),
    maxRetriesPerRequest,
    enableReadyCheck: true,
    // Resend the blocked XREADGROUP (and anything else in flight) after a reconnect.
    autoResendUnfulfilledCommands: true,
    connectTimeout: 10_000,
    keepAlive: 30_000,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  } satisfies Partial<RedisOptions>;
  const retryStrategy = (attempt: number): number => reconnectDelay(attempt, random);

  const client: RedisClient = options.cluster
    ? new Cluster([{ host: target.host, port: target.port }], {
        lazyConnect: options.lazyConnect ?? false,
        enableOfflineQueue: true,
        enableReadyCheck: true,
        clusterRetryStrategy: retryStrategy,
        retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
        retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
        retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
        maxRedirections: CLUSTER_MAX_REDIRECTIONS,
        redisOptions: common,
      } satisfies ClusterOptions)
    : new Redis({
        host: target.host,
        port: target.port,
        ...(target.db !== undefined ? { db: target.db } : {}),
        ...common,
        lazyConnect: options.lazyConnect ?? false,
        enableOfflineQueue: true,
        retryStrategy,
      });

  const where = redactRedisUrl(options.url);
  const logger = options.logger;
  let lastError: string | null = null;
  // Without an 'error' listener ioredis prints every failed reconnect to the console.
  client.on('error', (error: Error) => {
    const message = error.message;
    if (message === lastError) return; // one line per distinct error per outage, not one per retry
    lastError = message;
    logger?.warn('redis connection error', { redis: where, connection: common.connectionName, error: message });
  });
  client.on('ready', () => {
    if (lastError !== null) logger?.info('redis connection restored', { redis: where, connection: common.connectionName });
    lastError = null;
  });
  return client;
}

/**
 * Closes gracefully (QUIT, pending replies first) and falls back to a hard
 * disconnect after `timeoutMs`. A connection that is down is disconnected at
 * once: QUIT would only wait in the offline queue for a Redis that may not
 * come back.
 */
export async function closeRedisConnection(client: RedisClient, timeoutMs = 2000): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const quit = client.quit().then(
    () => undefined,
    () => undefined,
  );
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  await Promise.race([quit, timeout]);
  if (timer) clearTimeout(timer);
  if ((client.status as string) !== 'end') client.disconnect();
}
