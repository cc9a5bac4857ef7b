/**
 * Writes that survive a Redis Cluster failover.
 *
 * A master acknowledges a write before its replicas have it (asynchronous
 * replication). If it dies then, the replica promoted in its place never had
 * the write: it is gone although the client saw "OK". WAIT closes that
 * window for the writes that matter: it returns once the replicas have
 * acknowledged every write made on the same connection so far.
 *
 * How many replicas to wait for is asked of the master itself (ROLE: its
 * replicas with an open, synchronised link), not taken from the cluster's
 * view (CLUSTER SLOTS), which drops a replica that stops answering pings
 * within cluster-node-timeout although that replica, stalled rather than
 * dead, may come back and be promoted with what it had: the failover test
 * (tests/integration/cluster/failover.test.ts) lost queued frames that way.
 * A master with no replica linked is not waited for: there is nothing to
 * wait for, and a failover of it has nothing to promote.
 */
import type { ChainableCommander } from 'ioredis';
import { DependencyUnavailable } from '../../domain/errors';
import type { RedisClient } from './redis-connection';
import { redisErrorCode, toText } from './stream-codec';

type PipelineReplies = [Error | null, unknown][];

/** Replies of a pipeline, or DependencyUnavailable naming the first command that failed. */
async function run(pipeline: ChainableCommander, expected: number, operation: string, context: Record<string, string | number>): Promise<unknown[]> {
  let replies: PipelineReplies | null;
  try {
    replies = await pipeline.exec();
  } catch (error) {
    throw new DependencyUnavailable(`redis ${operation} failed: ${(error as Error).message}`, { dependency: 'redis', operation, ...context, redisError: redisErrorCode(error) }, { cause: error });
  }
  if (!replies || replies.length !== expected) throw new DependencyUnavailable(`redis ${operation}: the pipeline was aborted`, { dependency: 'redis', operation, ...context });
  for (const [error] of replies) {
    if (error) throw new DependencyUnavailable(`redis ${operation} failed: ${error.message}`, { dependency: 'redis', operation, ...context, redisError: redisErrorCode(error) }, { cause: error });
  }
  return replies.map(([, reply]) => reply);
}

/** ROLE reply of a master → its replicas with a synchronised link; a replica's ROLE → null. */
export function linkedReplicas(role: unknown): number | null {
  if (!Array.isArray(role) || toText(role[0]) !== 'master') return null;
  return Array.isArray(role[2]) ? role[2].length : 0;
}

/**
 * The replicas linked to the master serving `key` now (ROLE, sent with a read
 * of `key` so that a cluster client routes it to that master).
 */
export async function replicasOfMaster(client: RedisClient, key: string, operation: string): Promise<number> {
  const [, role] = await run(client.pipeline().exists(key).role(), 2, `${operation} (ROLE)`, { key });
  const replicas = linkedReplicas(role);
  if (replicas === null) throw new DependencyUnavailable(`redis ${operation}: the node serving ${key} is not a master (a failover in progress)`, { dependency: 'redis', operation, key });
  return replicas;
}

/**
 * Runs `write` (commands on `key`'s slot only) followed by
 * `WAIT <replicas> <timeoutMs>` in one pipeline: one node, one connection,
 * so the WAIT covers the write. `replicas` is what the master reports just
 * before. Resolves with the replies of the write's commands once those
 * replicas have them; throws DependencyUnavailable when a command failed or
 * fewer replicas acknowledged within the timeout (the write may then be on
 * the master only, and be lost if it fails now).
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
  const replicas = await replicasOfMaster(client, key, operation);
  const pipeline = client.pipeline();
  write(pipeline);
  const commands = pipeline.length;
  if (replicas === 0) return run(pipeline, commands, operation, { key });
  pipeline.wait(replicas, timeoutMs);
  const replies = await run(pipeline, commands + 1, operation, { key, replicas });
  const acknowledged = Number(replies[commands]);
  if (!(acknowledged >= replicas)) {
    throw new DependencyUnavailable(`redis ${operation} on ${key}: ${acknowledged} of ${replicas} replicas acknowledged within ${timeoutMs} ms`, {
      dependency: 'redis',
      operation,
      key,
      replicas,
      acknowledged,
      timeoutMs,
    });
  }
  return replies.slice(0, commands);
}
