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
import { Cluster, type ChainableCommander } from 'ioredis';
import { DependencyUnavailable } from '../../domain/errors';
import type { RedisClient } from './redis-connection';
import { redisErrorCode, toText } from './stream-codec';

type PipelineReplies = [Error | null, unknown][];

/**
 * Replies that mean "not here, not now" while a cluster changes hands: the
 * command was not applied and may be sent again. ioredis re-sends a pipeline
 * on these only when every command failed alike, never one that mixes keyed
 * commands with keyless ones (ROLE, WAIT), which a node in CLUSTERDOWN still
 * answers; so the steps below retry by themselves.
 */
const RETRYABLE_REPLIES = new Set(['CLUSTERDOWN', 'TRYAGAIN', 'MOVED', 'ASK', 'LOADING', 'MASTERDOWN']);
/** Retry every 200 ms for 10 s at most: as long as the cluster client rides out a failover (redis-connection.ts). */
const RETRY_DELAY_MS = 200;
const RETRY_FOR_MS = 10_000;

/** A pipeline whose first `keyed` commands failed with RETRYABLE_REPLIES: none of them was applied. */
class NotAppliedYet extends Error {}

/**
 * Replies of a pipeline; DependencyUnavailable naming the first command that
 * failed; NotAppliedYet when its first `keyed` commands all failed with a
 * retryable reply.
 */
async function run(pipeline: ChainableCommander, expected: number, keyed: number, operation: string, context: Record<string, string | number>): Promise<unknown[]> {
  let replies: PipelineReplies | null;
  try {
    replies = await pipeline.exec();
  } catch (error) {
    throw new DependencyUnavailable(`redis ${operation} failed: ${(error as Error).message}`, { dependency: 'redis', operation, ...context, redisError: redisErrorCode(error) }, { cause: error });
  }
  if (!replies || replies.length !== expected) throw new DependencyUnavailable(`redis ${operation}: the pipeline was aborted`, { dependency: 'redis', operation, ...context });
  const notApplied = replies.slice(0, keyed).every(([error]) => error !== null && RETRYABLE_REPLIES.has(redisErrorCode(error) ?? ''));
  if (notApplied) throw new NotAppliedYet((replies[0]?.[0] as Error).message);
  for (const [error] of replies) {
    if (error) throw new DependencyUnavailable(`redis ${operation} failed: ${error.message}`, { dependency: 'redis', operation, ...context, redisError: redisErrorCode(error) }, { cause: error });
  }
  return replies.map(([, reply]) => reply);
}

/** `step` again while it reports NotAppliedYet (refreshing the cluster's slots), for RETRY_FOR_MS at most. */
async function untilApplied<T>(client: RedisClient, operation: string, key: string, step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!(error instanceof NotAppliedYet)) throw error;
      if (Date.now() > deadline) {
        throw new DependencyUnavailable(`redis ${operation} on ${key} failed for ${RETRY_FOR_MS} ms: ${error.message}`, { dependency: 'redis', operation, key, redisError: redisErrorCode(error) }, { cause: error });
      }
      if (client instanceof Cluster) client.refreshSlotsCache();
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
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
  const [, role] = await untilApplied(client, operation, key, () => run(client.pipeline().exists(key).role(), 2, 1, `${operation} (ROLE)`, { key }));
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
  const { replies, replicas, commands } = await untilApplied(client, operation, key, async () => {
    const replicas = await replicasOfMaster(client, key, operation);
    const pipeline = client.pipeline();
    write(pipeline);
    const commands = pipeline.length;
    if (replicas === 0) return { replies: await run(pipeline, commands, commands, operation, { key }), replicas, commands };
    pipeline.wait(replicas, timeoutMs);
    return { replies: await run(pipeline, commands + 1, commands, operation, { key, replicas }), replicas, commands };
  });
  const acknowledged = Number(replies[commands]);
  if (replicas > 0 && !(acknowledged >= replicas)) {
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
