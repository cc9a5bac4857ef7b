import type { FrameDelivery } from '../../application/ports/frame-queue';
import type { PublishOutcome, ResultPublisher } from '../../application/ports/result-publisher';
import { DependencyUnavailable, FaceRecognitionError } from '../../domain/errors';
import type { RedisClient } from './redis-connection';
import { frameQueueStream, processedMarkerKey } from './redis-keys';
import { ACK_DELETE_LUA, defineScript, PUBLISH_RESULT_LUA, PUBLISH_RESULT_NO_ACK_LUA, type ScriptRunner } from './redis-scripts';
import { writeReplicated } from './replication';
import { flattenFields, redisErrorCode, toText } from './stream-codec';

export interface RedisResultPublisherOptions {
  /** PROCESSOR_ID: the queue whose entries are acknowledged is frames:ready:<processorId>. */
  readonly processorId: string;
  /** CONSUMER_GROUP. */
  readonly group: string;
  /** RESULT_STREAM. */
  readonly resultStream: string;
  /** RESULT_STREAM_MAXLEN (MAXLEN ~). */
  readonly resultStreamMaxLen: number;
  /** PROCESSED_MARKER_TTL_S: how long a redelivered frame is still recognised as done. */
  readonly markerTtlSeconds: number;
  /** REDIS_CLUSTER. */
  readonly cluster?: boolean;
  /** REDIS_WAIT_TIMEOUT_MS: cluster only, longest WAIT for the result to reach its master's replicas. Default 1000. */
  readonly replicationTimeoutMs?: number;
}

/**
 * Publishes one result per frame, exactly once, and acknowledges + deletes
 * the queue entry. A per-frame marker key
 * (faces:processed:{<RESULT_STREAM>}:<group>:<frame id>, TTL
 * PROCESSED_MARKER_TTL_S) records that the result is out; a redelivery of the
 * same frame finds it and is only acknowledged ('duplicate').
 *
 * Single node: one Lua script does check + XADD + marker + XACK + XDEL.
 * Should that node fail over to a replica (Sentinel), the result and the
 * acknowledgement travel in one replication stream, in that order: a replica
 * that missed the result missed the acknowledgement too, and the frame comes
 * back.
 *
 * Cluster: the marker shares the result stream's slot (hash tag) but the
 * queue does not, and the two slots are generally on different masters with
 * their own replication. So:
 *   1. check + XADD + marker, one script on the result slot;
 *   2. the marker's master confirms that its replicas have the marker, and
 *      so the result written before it (EXPIRE of the marker + WAIT, see
 *      replication.ts); a timeout or a vanished marker throws, and the entry
 *      stays pending;
 *   3. XACK + XDEL on the queue slot.
 * Without step 2 a failover of the result master could drop a result whose
 * queue entry step 3 had already removed for good: a frame lost. A crash or
 * failure between the steps leaves the entry pending; its redelivery finds
 * the marker, confirms it again and acknowledges: published once.
 *
 * Uses the 'commands' connection (never the blocking reader's).
 */
export class RedisResultPublisher implements ResultPublisher {
  private readonly queueStream: string;
  private readonly publishScript: ScriptRunner;
  private readonly publishNoAckScript: ScriptRunner;
  private readonly ackDeleteScript: ScriptRunner;
  private readonly replicationTimeoutMs: number;

  constructor(
    private readonly client: RedisClient,
    private readonly options: RedisResultPublisherOptions,
  ) {
    if (!Number.isInteger(options.markerTtlSeconds) || options.markerTtlSeconds < 1) throw new Error('markerTtlSeconds must be a whole number ≥ 1');
    if (!Number.isInteger(options.resultStreamMaxLen) || options.resultStreamMaxLen < 1) throw new Error('resultStreamMaxLen must be a whole number ≥ 1');
    // Fails early on a result stream name no hash tag can follow.
    processedMarkerKey(options.resultStream, options.group, 'check');
    this.queueStream = frameQueueStream(options.processorId);
    this.replicationTimeoutMs = options.replicationTimeoutMs ?? 1000;
    this.publishScript = defineScript(client, 'publish_result', PUBLISH_RESULT_LUA, 3);
    this.publishNoAckScript = defineScript(client, 'publish_result_no_ack', PUBLISH_RESULT_NO_ACK_LUA, 2);
    this.ackDeleteScript = defineScript(client, 'ack_delete', ACK_DELETE_LUA, 1);
  }

  async publish(delivery: FrameDelivery, frameId: string, result: Readonly<Record<string, string>>): Promise<PublishOutcome> {
    const fields = flattenFields(result);
    if (fields.length === 0) throw new Error(`empty result for frame ${frameId}`);
    const { resultStream, resultStreamMaxLen, markerTtlSeconds, group } = this.options;
    const marker = processedMarkerKey(resultStream, group, frameId);
    try {
      if (!this.options.cluster) {
        const outcome = await this.publishScript(
          [marker, resultStream, this.queueStream],
          [markerTtlSeconds, resultStreamMaxLen, group, delivery.entryId, ...fields],
        );
        return asOutcome(outcome);
      }
      const outcome = asOutcome(await this.publishNoAckScript([marker, resultStream], [markerTtlSeconds, resultStreamMaxLen, ...fields]));
      await this.confirmReplicated(marker, frameId);
      await this.ackDeleteScript([this.queueStream], [group, delivery.entryId]);
      return outcome;
    } catch (error) {
      if (error instanceof FaceRecognitionError) throw error;
      throw new DependencyUnavailable(
        `redis publish of frame ${frameId} to ${resultStream} failed: ${error instanceof Error ? error.message : String(error)}`,
        { dependency: 'redis', operation: 'publish', stream: resultStream, frameId, entryId: delivery.entryId, redisError: redisErrorCode(error) },
        { cause: error },
      );
    }
  }

  /**
   * Step 2 of the cluster path. EXPIRE (a write, so the WAIT that follows
   * on the same connection covers everything the master applied before it,
   * the marker and the result included, whoever wrote them) and WAIT.
   * EXPIRE answering 0 means the marker is gone: a failover dropped the
   * result between step 1 and now.
   */
  private async confirmReplicated(marker: string, frameId: string): Promise<void> {
    const [refreshed] = await writeReplicated(this.client, marker, (p) => void p.expire(marker, this.options.markerTtlSeconds), this.replicationTimeoutMs, 'confirm result replicated');
    if (Number(refreshed) !== 1) {
      throw new DependencyUnavailable(`frame ${frameId}: its published marker vanished before it was confirmed (a failover of the result master); the frame will be published again`, {
        dependency: 'redis',
        operation: 'confirm result replicated',
        frameId,
      });
    }
  }
}

function asOutcome(reply: unknown): PublishOutcome {
  const text = toText(reply);
  if (text === 'published' || text === 'duplicate') return text;
  throw new Error(`unexpected publish script reply: ${text.slice(0, 100)}`);
}
