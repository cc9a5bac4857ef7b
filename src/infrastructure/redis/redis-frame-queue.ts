import type { DeadLetter, FrameDelivery, FrameQueue } from '../../application/ports/frame-queue';
import { DependencyUnavailable, FaceRecognitionError } from '../../domain/errors';
import { raceAbort } from '../../application/services/async-helpers';
import type { RedisClient } from './redis-connection';
import { frameQueueStream } from './redis-keys';
import { ACK_DELETE_LUA, DEAD_LETTER_LUA, defineScript, type ScriptRunner } from './redis-scripts';
import { writeReplicated } from './replication';
import {
  deadLetterFields,
  flattenFields,
  parseAutoClaimReply,
  parsePendingDetails,
  parsePendingSummary,
  parseStreamReadReply,
  redisErrorCode,
  toDelivery,
  type RawEntry,
} from './stream-codec';

export interface RedisFrameQueueOptions {
  /** PROCESSOR_ID: the queue is frames:ready:<processorId>. */
  readonly processorId: string;
  /** CONSUMER_GROUP. */
  readonly group: string;
  /** This replica's consumer name inside the group (CONSUMER_NAME, default hostname-pid). */
  readonly consumer: string;
  /** DEAD_LETTER_STREAM. */
  readonly deadLetterStream: string;
  /** Approximate cap of the dead-letter stream (MAXLEN ~). Default 100 000. */
  readonly deadLetterMaxLen?: number;
  /** REDIS_CLUSTER: multi-key steps are split per slot (see deadLetter). */
  readonly cluster?: boolean;
  /** REDIS_WAIT_TIMEOUT_MS: cluster only, longest WAIT for a dead letter to reach its master's replicas. Default 1000. */
  readonly replicationTimeoutMs?: number;
}

/** How long close() waits past a live read's BLOCK time for its reply. */
const READ_REPLY_GRACE_MS = 500;

/** At most this many XAUTOCLAIM round trips per reclaim() call. */
const MAX_CLAIM_ROUNDS = 16;
/** Ids per XACK/XDEL script call. */
const ACK_CHUNK = 500;

/**
 * The processor's input queue on Redis Streams: consumer group `group` on
 * frames:ready:<processorId>.
 *
 * Two connections: `reader` carries only the blocking XREADGROUP (create it
 * with role 'blocking': it waits out outages); `commands` carries everything
 * else and may be shared with the publisher and the image store. close()
 * disconnects the reader (it is this queue's own); the commands connection
 * belongs to whoever created it.
 */
export class RedisFrameQueue implements FrameQueue {
  readonly stream: string;
  private readonly group: string;
  private readonly consumer: string;
  private readonly deadLetterStream: string;
  private readonly deadLetterMaxLen: number;
  private readonly cluster: boolean;
  private readonly replicationTimeoutMs: number;
  private readonly deadLetterScript: ScriptRunner;
  private readonly ackDeleteScript: ScriptRunner;
  private closed = false;
  /** The read in progress: settles with it (never rejects); `endsBy` is when its BLOCK runs out (0 = never). */
  private reading: { readonly settled: Promise<void>; readonly endsBy: number } | null = null;
  /** Aborted by close(): a read still waiting then returns []. */
  private readonly readsAbort = new AbortController();

  constructor(
    private readonly reader: RedisClient,
    private readonly commands: RedisClient,
    options: RedisFrameQueueOptions,
  ) {
    if (reader === commands) throw new Error('RedisFrameQueue needs a dedicated connection for the blocking XREADGROUP');
    this.stream = frameQueueStream(options.processorId);
    this.group = options.group;
    this.consumer = options.consumer;
    this.deadLetterStream = options.deadLetterStream;
    this.deadLetterMaxLen = options.deadLetterMaxLen ?? 100_000;
    this.cluster = options.cluster ?? false;
    this.replicationTimeoutMs = options.replicationTimeoutMs ?? 1000;
    this.deadLetterScript = defineScript(commands, 'dead_letter', DEAD_LETTER_LUA, 2);
    this.ackDeleteScript = defineScript(commands, 'ack_delete', ACK_DELETE_LUA, 1);
  }

  /**
   * Creates the group (and the stream) if missing. The group starts at '0',
   * not '$': frames queued before our very first start are processed too.
   * An existing group (BUSYGROUP) keeps its position.
   */
  async ensureGroup(): Promise<void> {
    try {
      await this.commands.xgroup('CREATE', this.stream, this.group, '0', 'MKSTREAM');
    } catch (error) {
      if (redisErrorCode(error) === 'BUSYGROUP') return;
      throw this.unavailable('XGROUP CREATE', error);
    }
  }

  /**
   * New entries ('>') for this consumer, blocking up to `blockMs` (0 = forever).
   * A binary `image` field stays bytes; every other field is decoded as UTF-8.
   * If the group vanished (Redis restarted without persistence), it is
   * created again and the read retried once, instead of failing the consumer.
   */
  async read(count: number, blockMs: number): Promise<FrameDelivery[]> {
    if (this.closed) return [];
    const command = this.readNew(count, blockMs);
    const settled = command.then(
      () => undefined,
      () => undefined,
    );
    this.reading = { settled, endsBy: blockMs > 0 ? Date.now() + blockMs : 0 };
    try {
      // ioredis keeps a command queued while it reconnects, and its disconnect() does not
      // reject it then: only this race lets close() end a read that waits out an outage.
      return await raceAbort(command, this.readsAbort.signal, []);
    } finally {
      if (this.reading?.settled === settled) this.reading = null;
    }
  }

  private async readNew(count: number, blockMs: number): Promise<FrameDelivery[]> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const reply: unknown = await this.reader.xreadgroupBuffer(
          'GROUP', this.group, this.consumer,
          'COUNT', Math.max(1, Math.floor(count)),
          'BLOCK', Math.max(0, Math.floor(blockMs)),
          'STREAMS', this.stream, '>',
        );
        return this.deliveries(parseStreamReadReply(reply, this.stream), () => 1);
      } catch (error) {
        if (this.closed) return [];
        if (redisErrorCode(error) === 'NOGROUP' && attempt === 0) {
          await this.ensureGroup();
          continue;
        }
        throw this.unavailable('XREADGROUP', error);
      }
    }
  }

  /**
   * Takes over entries idle for `minIdleMs` on any consumer (a crashed
   * replica), up to `count`, following XAUTOCLAIM's cursor. The delivery
   * count is read back with XPENDING (XAUTOCLAIM has just incremented it), so
   * MAX_ATTEMPTS sees every delivery. Entries deleted while pending are
   * acknowledged so they leave the pending list.
   */
  async reclaim(minIdleMs: number, count: number): Promise<FrameDelivery[]> {
    if (this.closed || count <= 0) return [];
    const claimed: RawEntry[] = [];
    const deleted: string[] = [];
    let cursor = '0-0';
    try {
      for (let round = 0; round < MAX_CLAIM_ROUNDS && claimed.length < count; round += 1) {
        const reply = parseAutoClaimReply(
          await this.commands.callBuffer('XAUTOCLAIM', this.stream, this.group, this.consumer, Math.max(0, Math.floor(minIdleMs)), cursor, 'COUNT', count - claimed.length),
        );
        for (const entry of reply.entries) {
          if (entry.fields === null) deleted.push(entry.id);
          else claimed.push(entry);
        }
        deleted.push(...reply.deletedIds);
        cursor = reply.cursor;
        if (cursor === '0-0') break;
      }
    } catch (error) {
      if (redisErrorCode(error) === 'NOGROUP') return [];
      throw this.unavailable('XAUTOCLAIM', error);
    }
    if (deleted.length > 0) await this.ackDelete(deleted);
    if (claimed.length === 0) return [];

    const counts = await this.deliveryCounts(claimed.map((e) => e.id));
    // An entry acknowledged by its former owner between XAUTOCLAIM and XPENDING is done: skip it.
    return this.deliveries(
      claimed.filter((e) => counts.has(e.id)),
      (id) => counts.get(id) ?? 1,
    );
  }

  /**
   * Copies the entry (without a binary image, whose length is kept in
   * `image_bytes`) and the failure to the dead-letter stream, then
   * acknowledges and deletes it.
   */
  async deadLetter(delivery: FrameDelivery, failure: DeadLetter): Promise<void> {
    const fields = flattenFields(deadLetterFields(delivery, failure, this.stream));
    try {
      if (!this.cluster) {
        await this.deadLetterScript([this.deadLetterStream, this.stream], [this.group, delivery.entryId, this.deadLetterMaxLen, ...fields]);
        return;
      }
      // Redis Cluster: the queue and the dead-letter stream are fixed names from the
      // configuration and generally live in different slots (on different masters),
      // and a script may only touch one slot. So: (1) XADD to the dead-letter stream,
      // confirmed by its master's replicas (WAIT, or a failover of that master could
      // drop the dead letter after (2) removed the entry: a frame gone without a
      // trace), (2) XACK + XDEL on the queue. A crash or failure between the steps
      // leaves the entry pending: it is redelivered and dead-lettered again — at
      // worst a duplicate dead-letter entry, never a lost frame.
      const stream = this.deadLetterStream;
      await writeReplicated(this.commands, stream, (p) => void p.xadd(stream, 'MAXLEN', '~', this.deadLetterMaxLen, '*', ...fields), this.replicationTimeoutMs, 'dead-letter XADD');
      await this.ackDeleteScript([this.stream], [this.group, delivery.entryId]);
    } catch (error) {
      throw this.unavailable('dead-letter', error, { entryId: delivery.entryId });
    }
  }

  /** Entries delivered to the group and not acknowledged yet (0 when the group does not exist). */
  async pendingCount(): Promise<number> {
    try {
      return parsePendingSummary(await this.commands.xpending(this.stream, this.group));
    } catch (error) {
      if (redisErrorCode(error) === 'NOGROUP') return 0;
      throw this.unavailable('XPENDING', error);
    }
  }

  /**
   * Stops reading, then disconnects the reader connection; the commands
   * connection stays open for in-flight publications and is closed by its
   * owner. A read in progress on a live connection is let finish (it ends
   * within its BLOCK time, and entries Redis hands over meanwhile are
   * returned): cutting it short could leave entries already delivered to this
   * consumer pending until someone reclaims them. A read waiting for the
   * connection to come back, or blocking forever (BLOCK 0), has nothing to
   * lose: it returns [] at once.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reading = this.reading;
    if (reading && reading.endsBy > 0 && this.reader.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, reading.endsBy - Date.now()) + READ_REPLY_GRACE_MS)));
      await Promise.race([reading.settled, giveUp]);
      clearTimeout(timer);
    }
    this.readsAbort.abort();
    this.reader.disconnect();
  }

  private deliveries(entries: readonly RawEntry[], deliveryCount: (id: string) => number): FrameDelivery[] {
    const out: FrameDelivery[] = [];
    for (const entry of entries) {
      const delivery = toDelivery(entry, deliveryCount(entry.id));
      if (delivery) out.push(delivery);
    }
    return out;
  }

  private async ackDelete(ids: readonly string[]): Promise<void> {
    try {
      // In chunks: Lua's unpack() has a stack limit of a few thousand values.
      for (let i = 0; i < ids.length; i += ACK_CHUNK) {
        await this.ackDeleteScript([this.stream], [this.group, ...ids.slice(i, i + ACK_CHUNK)]);
      }
    } catch (error) {
      throw this.unavailable('XACK/XDEL', error);
    }
  }

  /** id → delivery count for the given pending ids (absent = no longer pending). */
  private async deliveryCounts(ids: readonly string[]): Promise<Map<string, number>> {
    const pipeline = this.commands.pipeline();
    for (const id of ids) pipeline.xpending(this.stream, this.group, id, id, 1);
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw this.unavailable('XPENDING', error);
    }
    const counts = new Map<string, number>();
    for (const [error, reply] of results ?? []) {
      if (error) throw this.unavailable('XPENDING', error);
      for (const [id, n] of parsePendingDetails(reply)) counts.set(id, n);
    }
    return counts;
  }

  private unavailable(operation: string, error: unknown, extra: Record<string, string> = {}): Error {
    if (error instanceof FaceRecognitionError) return error;
    return new DependencyUnavailable(
      `redis ${operation} on ${this.stream} failed: ${error instanceof Error ? error.message : String(error)}`,
      { dependency: 'redis', operation, stream: this.stream, group: this.group, redisError: redisErrorCode(error), ...extra },
      { cause: error },
    );
  }
}
