import { hostname } from 'node:os';
import type { FrameImageStore } from '../../application/ports/frame-image-store';
import type { FrameQueue } from '../../application/ports/frame-queue';
import type { ResultPublisher } from '../../application/ports/result-publisher';
import type { Config } from '../config/config';
import type { Logger } from '../logging/logger';
import { closeRedisConnection, createRedisConnection, type RedisClient } from '../redis/redis-connection';
import { RedisFrameImageStore } from '../redis/redis-frame-image-store';
import { RedisFrameQueue } from '../redis/redis-frame-queue';
import { RedisResultPublisher } from '../redis/redis-result-publisher';

/** The frame transport on Redis Streams: queue, publisher and image store over two connections. */
export interface FrameTransport {
  readonly queue: FrameQueue;
  readonly publisher: ResultPublisher;
  readonly images: FrameImageStore;
  /** Reachability check for /health (runs on the commands connection). */
  readonly ping?: () => Promise<unknown>;
  close(): Promise<void>;
}

export const consumerName = (config: Config): string => config.CONSUMER_NAME ?? `${hostname()}-${process.pid}`;

/**
 * Loaded with require() after tracing is set up, so that the ioredis
 * instrumentation can patch the module before its first use.
 */
export function createRedisTransport(config: Config, url: string, logger: Logger): FrameTransport {
  const consumer = consumerName(config);
  const connection = (role: 'blocking' | 'commands'): RedisClient =>
    createRedisConnection({ url, cluster: config.REDIS_CLUSTER, role, connectionName: `face-recognition:${consumer}:${role}`, logger });
  // The blocking XREADGROUP gets a connection of its own: it would stall every other command.
  const reader = connection('blocking');
  const commands = connection('commands');
  const queue = new RedisFrameQueue(reader, commands, {
    processorId: config.PROCESSOR_ID,
    group: config.CONSUMER_GROUP,
    consumer,
    deadLetterStream: config.DEAD_LETTER_STREAM,
    cluster: config.REDIS_CLUSTER,
    replicationTimeoutMs: config.REDIS_WAIT_TIMEOUT_MS,
  });
  return {
    queue,
    publisher: new RedisResultPublisher(commands, {
      processorId: config.PROCESSOR_ID,
      group: config.CONSUMER_GROUP,
      resultStream: config.RESULT_STREAM,
      resultStreamMaxLen: config.RESULT_STREAM_MAXLEN,
      markerTtlSeconds: config.PROCESSED_MARKER_TTL_S,
      cluster: config.REDIS_CLUSTER,
      replicationTimeoutMs: config.REDIS_WAIT_TIMEOUT_MS,
    }),
    images: new RedisFrameImageStore(commands, { keyTemplate: config.FRAME_IMAGE_KEY, imageRoot: config.FRAME_IMAGE_ROOT }),
    ping: () => commands.ping(),
    close: async () => {
      await queue.close();
      await closeRedisConnection(commands);
    },
  };
}
