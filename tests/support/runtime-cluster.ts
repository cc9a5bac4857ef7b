/**
 * Shared fixture of the service runtime tests on a Redis Cluster: the
 * service built once, a real cluster (tests/support/redis-cluster.ts), a
 * cluster client for assertions and one for the frame producer. Call it at
 * the top of a describe block; it registers the hooks.
 *
 *   const rc = useRuntimeCluster();
 *   const service = await ServiceProcess.start(clusterServiceEnv(rc.cluster, { PROCESSOR_ID: 'p1' }));
 *   await pushFrameToCluster(rc.producer, 'p1', { frameId: 'f1', image });
 *
 * The producer is the careful one the design asks of frame-buffer-v2 (ADR
 * 0003): an image or a queue entry counts as written only once the replicas
 * of its master have it (WAIT), and a write that fails or is not confirmed
 * is done again, so a failover never loses a frame it reported as queued.
 * Doing it again may queue a frame twice; the service publishes it once.
 */
import { Cluster } from 'ioredis';
import { writeReplicated } from '../../src/infrastructure/redis/replication';
import { frameFields, pushFramesWith, queueStream, randomTraceparent, type FrameSpec, type PushManyOptions, type PushedFrame } from './frames';
import { startRedisCluster, type RedisCluster, type RedisClusterOptions } from './redis-cluster';
import { useRuntimeFixture } from './runtime-fixture';
import { sleep } from './service-process';

export interface RuntimeClusterOptions {
  readonly cluster?: RedisClusterOptions;
  /** Stop every service process after each test as well. Default false. */
  readonly stopServicesAfterEach?: boolean;
}

export interface RuntimeCluster {
  readonly cluster: RedisCluster;
  /** For assertions. */
  readonly client: Cluster;
  /** For the frames a test pushes. */
  readonly producer: Cluster;
}

/**
 * A cluster client that rides out a failover: commands to a failed master
 * are retried (every 300 ms, 40 redirections at most) while the replica takes over.
 */
export function clusterClient(cluster: RedisCluster): Cluster {
  const client = new Cluster([...cluster.startupNodes], {
    clusterRetryStrategy: () => 300,
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 300,
    maxRedirections: 40,
    slotsRefreshInterval: 1000,
  });
  client.on('error', () => undefined);
  return client;
}

export function useRuntimeCluster(options: RuntimeClusterOptions = {}): RuntimeCluster {
  const parts = useRuntimeFixture({
    name: 'useRuntimeCluster',
    stopServicesAfterEach: options.stopServicesAfterEach ?? false,
    start: async () => {
      const cluster = await startRedisCluster(options.cluster);
      return { cluster, client: clusterClient(cluster), producer: clusterClient(cluster) };
    },
    stop: async ({ cluster, client, producer }) => {
      client.disconnect();
      producer.disconnect();
      await cluster.dispose();
    },
  });
  return {
    get cluster() {
      return parts().cluster;
    },
    get client() {
      return parts().client;
    },
    get producer() {
      return parts().producer;
    },
  };
}

/** The service's environment on the cluster: REDIS_URL at one seed node, REDIS_CLUSTER=true. */
export const clusterServiceEnv = (cluster: RedisCluster, env: Readonly<Record<string, string>>): Record<string, string> => ({
  REDIS_URL: cluster.seedUrl,
  REDIS_CLUSTER: 'true',
  ...env,
});

/** Longest time a producer keeps trying one write (a failover takes a few seconds). */
const PRODUCER_PERSISTENCE_MS = 60_000;
/** WAIT timeout of the producer's writes. */
const PRODUCER_WAIT_MS = 2000;

export interface ClusterPushedFrame extends PushedFrame {
  /** How many XADDs it took (more than one: a failover interrupted the first). */
  readonly attempts: number;
}

/** Does `write` until it is confirmed by the replicas, for PRODUCER_PERSISTENCE_MS at most; returns the replies and the attempts. */
async function persist(producer: Cluster, key: string, write: Parameters<typeof writeReplicated>[2], what: string): Promise<{ replies: unknown[]; attempts: number }> {
  const deadline = Date.now() + PRODUCER_PERSISTENCE_MS;
  for (let attempts = 1; ; attempts += 1) {
    try {
      return { replies: await writeReplicated(producer, key, write, PRODUCER_WAIT_MS, what), attempts };
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`producer: ${what} on ${key} still fails after ${PRODUCER_PERSISTENCE_MS} ms: ${(error as Error).message}`, { cause: error });
      await sleep(200);
    }
  }
}

/**
 * The cluster version of pushFrame (frames.ts): the image (for the modes
 * that store it under a key) and the queue entry live in different slots, so
 * each is its own replicated write, the image first.
 */
export async function pushFrameToCluster(producer: Cluster, processorId: string, spec: FrameSpec): Promise<ClusterPushedFrame> {
  const traceparent = randomTraceparent();
  const fields = frameFields(spec, traceparent);
  const mode = spec.mode ?? 'frame-key';
  const image = spec.image;
  const imageKey = mode === 'frame-key' ? `frame:data:${spec.frameId}` : mode === 'image-key' ? `frame:blob:${spec.frameId}` : null;
  if (image && imageKey) await persist(producer, imageKey, (p) => void p.set(imageKey, image, 'EX', 3600), 'SET image');
  const flat: (string | Buffer)[] = Object.entries(fields).flat();
  if (image && mode === 'binary') flat.push('image', image);
  const stream = queueStream(processorId);
  const { replies, attempts } = await persist(producer, stream, (p) => void p.xadd(stream, '*', ...flat), 'XADD frame');
  return { entryId: String(replies[0]), frameId: spec.frameId, traceparent, fields, attempts };
}

/** pushFrames (frames.ts) on a cluster: `count` frames cycling over `images`, at a steady rate when asked. */
export const pushFramesToCluster = (producer: Cluster, processorId: string, images: readonly Buffer[], options: PushManyOptions): Promise<ClusterPushedFrame[]> =>
  pushFramesWith((spec) => pushFrameToCluster(producer, processorId, spec), images, options);
