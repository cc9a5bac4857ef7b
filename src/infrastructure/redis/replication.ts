/**
 * Writes that survive a Redis Cluster failover.
 *
 * A master acknowledges a write before its replicas have it (asynchronous
 * replication). If it dies then, the replica promoted in its place never had
 * the write: it is gone although the client saw "OK". WAIT closes that
 * window for the writes that matter: it returns once the replicas have
 * acknowledged every write made on the same connection so far.
 */
import type { ChainableCommander } from 'ioredis';
import { Cluster } from 'ioredis';
import { DependencyUnavailable } from '../../domain/errors';
import type { RedisClient } from './redis-connection';
import { clusterSlot } from './redis-keys';
import { redisErrorCode } from './stream-codec';

/**
 * Replicas of the master serving `key`, as the cluster client knows them:
 * CLUSTER SLOTS lists the replicas that are neither failed nor empty, and
 * ioredis refreshes it every few seconds and after every redirection. So a
 * master left without replicas by a failover is not waited for (there is
 * nothing to wait for), and one that gains a replica is waited for again
 * within seconds. A single-node client: 0 (nothing is waited for).
 */
export function knownReplicas(client: RedisClient, key: string): number {
  if (!(client instanceof Cluster)) return 0;
  const nodes = client.slots[clusterSlot(key)];
  return nodes ? Math.max(0, nodes.length - 1) : 0;
}

/**
 * Runs `write` (commands on `key`'s slot only) followed by
 * `WAIT <known replicas> <timeoutMs>` in one pipeline: one node, one
 * connection, so the WAIT covers the write. Resolves with the replies of the
 * write's commands once every known replica has them; throws
 * DependencyUnavailable when a command failed or fewer replicas
 * acknowledged within the timeout (the write may then be on the master only).
 *
 * A script in `write` is not safe here: ioredis re-sends an EVALSHA that
 * failed with NOSCRIPT outside the pipeline, after the WAIT. Confirm a
 * script's effect with a plain write to one of its keys instead.
 */
export async function writeReplicated(
  client: RedisClient,
  key: string,
  write: (pipeline: ChainableCommander) => void,
  timeoutMs: number,
  operation: string,
): Promise<unknown[]> {
  const replicas = knownReplicas(client, key);
  const pipeline = client.pipeline();
  write(pipeline);
  const commands = pipeline.length;
  if (replicas > 0) pipeline.wait(replicas, timeoutMs);
  const context = { dependency: 'redis', operation, key, replicas };
  let replies: [Error | null, unknown][] | null;
  try {
    replies = await pipeline.exec();
  } catch (error) {
    throw new DependencyUnavailable(`redis ${operation} on ${key} failed: ${(error as Error).message}`, { ...context, redisError: redisErrorCode(error) }, { cause: error });
  }
  if (!replies || replies.length !== commands + (replicas > 0 ? 1 : 0)) {
    throw new DependencyUnavailable(`redis ${operation} on ${key}: the pipeline was aborted`, context);
  }
  for (const [error] of replies) {
    if (error) throw new DependencyUnavailable(`redis ${operation} on ${key} failed: ${error.message}`, { ...context, redisError: redisErrorCode(error) }, { cause: error });
  }
  if (replicas > 0) {
    const acknowledged = Number(replies[commands]?.[1]);
    if (!(acknowledged >= replicas)) {
      throw new DependencyUnavailable(
        `redis ${operation} on ${key}: ${acknowledged} of ${replicas} replicas acknowledged within ${timeoutMs} ms; not acknowledging the frame yet`,
        { ...context, acknowledged, timeoutMs },
      );
    }
  }
  return replies.slice(0, commands).map(([, reply]) => reply);
}
