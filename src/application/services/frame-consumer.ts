import type { FrameDelivery, FrameQueue } from '../ports/frame-queue';
import type { ProcessorMetrics } from '../ports/frame-telemetry';
import type { ProcessFrames } from '../use-cases/process-frames';
import { createTrigger, describeError, sleepUnless, type Trigger } from './async-helpers';

export interface ConsumerSettings {
  /** Frames in flight at most, across concurrent batches. */
  readonly capacity: number;
  readonly maxBatch: number;
  /** After the first frame of a batch arrives, wait at most this long for more. */
  readonly maxBatchWaitMs: number;
  /** Entries idle this long on any consumer are taken over. */
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  /** Longest blocking read, so that stop() is noticed promptly. */
  readonly blockMs: number;
}

export interface ConsumerLogger {
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
}

export interface ConsumerStatus {
  readonly consuming: boolean;
  readonly inflight: number;
  readonly framesProcessed: number;
  readonly errorsTotal: number;
  /** Last time a read from the queue succeeded (ms since epoch), or null. */
  readonly lastReadOkMs: number | null;
}

/**
 * The consume loop, in the spirit of BullMQ's worker: reads batches from the
 * consumer group while capacity allows, processes batches concurrently,
 * periodically reclaims entries of crashed consumers, backs off on queue
 * errors instead of crashing, and drains in-flight work on stop.
 */
export class FrameConsumer {
  private running = false;
  private inflight = 0;
  private framesProcessed = 0;
  private errorsTotal = 0;
  private lastReadOkMs: number | null = null;
  private readonly batches = new Set<Promise<void>>();
  /** Entry ids being processed here: XAUTOCLAIM also returns our own entries once they are idle long enough. */
  private readonly inflightIds = new Set<string>();
  private loop: Promise<void> | null = null;
  private claimTimer: NodeJS.Timeout | null = null;
  private capacityFreed: (() => void) | null = null;
  /** Fired by stop(): cuts back-off waits short. */
  private stopRequested: Trigger = createTrigger();

  constructor(
    private readonly queue: FrameQueue,
    private readonly processFrames: ProcessFrames,
    private readonly metrics: ProcessorMetrics,
    private readonly settings: ConsumerSettings,
    private readonly logger: ConsumerLogger,
  ) {}

  status(): ConsumerStatus {
    return {
      consuming: this.running,
      inflight: this.inflight,
      framesProcessed: this.framesProcessed,
      errorsTotal: this.errorsTotal,
      lastReadOkMs: this.lastReadOkMs,
    };
  }

  /** Creates the group (retrying while the queue is unreachable) and starts consuming. */
  async start(): Promise<void> {
    this.running = true;
    this.stopRequested = createTrigger();
    for (let attempt = 0; this.running; attempt += 1) {
      try {
        await this.queue.ensureGroup();
        break;
      } catch (error) {
        this.logger.warn('cannot create consumer group yet; retrying', { stream: this.queue.stream, error: describeError(error) });
        await sleepUnless(Math.min(5000, 100 * 2 ** attempt), this.stopRequested.signal);
      }
    }
    // Frames a crashed predecessor left pending are taken over first.
    await this.reclaim();
    this.claimTimer = setInterval(() => void this.reclaim(), this.settings.claimIntervalMs);
    this.claimTimer.unref();
    this.loop = this.consume();
  }

  /**
   * Stops reading and waits for the frames in flight, at most `timeoutMs`;
   * returns whether everything drained. The wait depends on the work in
   * flight, not on the timeout: closing the queue ends a read that waits out
   * an outage at once, so with nothing in flight stop() returns promptly.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    this.running = false;
    this.stopRequested.fire();
    if (this.claimTimer) clearInterval(this.claimTimer);
    this.capacityFreed?.();
    const drained = (async () => {
      // A read on a healthy queue still completes (within blockMs) and its frames join the drain.
      await this.queue.close();
      await this.loop;
      await Promise.all([...this.batches]);
      return true;
    })();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (!result) {
      this.logger.warn('shutdown timeout: unfinished frames stay pending and will be redelivered', { inflight: this.inflight });
    }
    return result;
  }

  private async consume(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const room = Math.min(this.settings.maxBatch, this.settings.capacity - this.inflight);
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.capacityFreed = resolve));
        continue;
      }
      try {
        const batch = await this.collectBatch(room);
        failures = 0;
        if (batch.length > 0) this.dispatch(batch);
      } catch (error) {
        failures += 1;
        this.errorsTotal += 1;
        const delay = Math.min(5000, 100 * 2 ** Math.min(failures, 6)) * (0.5 + Math.random() / 2);
        this.logger.warn('reading the frame queue failed; backing off', { stream: this.queue.stream, error: describeError(error), delayMs: Math.round(delay) });
        await sleepUnless(delay, this.stopRequested.signal);
      }
    }
  }

  /** Blocks for the first frame, then tops the batch up for at most maxBatchWaitMs. */
  private async collectBatch(room: number): Promise<FrameDelivery[]> {
    const batch = await this.queue.read(room, this.settings.blockMs);
    this.lastReadOkMs = Date.now();
    const deadline = Date.now() + this.settings.maxBatchWaitMs;
    while (batch.length > 0 && batch.length < room && this.running) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const more = await this.queue.read(room - batch.length, Math.max(1, Math.round(remaining)));
      if (more.length === 0) break;
      batch.push(...more);
    }
    return batch;
  }

  private async reclaim(): Promise<void> {
    if (!this.running) return;
    const room = this.settings.capacity - this.inflight;
    if (room <= 0) return;
    try {
      const claimed = await this.queue.reclaim(this.settings.claimIdleMs, Math.min(room, this.settings.maxBatch));
      // A batch slower than claimIdleMs is still ours: processing it twice would publish a duplicate
      // attempt and, past MAX_ATTEMPTS, dead-letter a frame that does get a result.
      const reclaimed = claimed.filter((delivery) => !this.inflightIds.has(delivery.entryId));
      // Stopped meanwhile: the claimed entries stay pending and are reclaimed by a running consumer.
      if (reclaimed.length > 0 && this.running) {
        this.logger.info('reclaimed frames idle on other consumers', { count: reclaimed.length });
        this.dispatch(reclaimed);
      }
    } catch (error) {
      this.logger.warn('reclaiming idle frames failed', { error: describeError(error) });
    }
  }

  private dispatch(batch: FrameDelivery[]): void {
    this.inflight += batch.length;
    for (const delivery of batch) this.inflightIds.add(delivery.entryId);
    this.metrics.inflight(this.inflight);
    const work = this.processFrames
      .execute(batch)
      .then((outcomes) => {
        outcomes.forEach((outcome, i) => {
          if (outcome.status === 'published' || outcome.status === 'duplicate') {
            this.framesProcessed += 1;
            return;
          }
          this.errorsTotal += 1;
          const frameId = batch[i]?.fields.frame_id ?? null;
          const context = { frameId, entryId: batch[i]?.entryId, deliveryCount: batch[i]?.deliveryCount, error: describeError(outcome.error) };
          if (outcome.status === 'dead_letter') this.logger.warn('frame dead-lettered', { ...context, reason: outcome.reason });
          else this.logger.warn('frame failed; it stays pending and will be redelivered', context);
        });
      })
      .catch((error: unknown) => {
        // ProcessFrames handles per-frame failures; reaching here is a bug, but the entries stay pending.
        this.errorsTotal += batch.length;
        this.logger.error('batch failed unexpectedly; its frames will be redelivered', { error: describeError(error) });
      })
      .finally(() => {
        this.inflight -= batch.length;
        for (const delivery of batch) this.inflightIds.delete(delivery.entryId);
        this.metrics.inflight(this.inflight);
        this.batches.delete(work);
        this.capacityFreed?.();
        this.capacityFreed = null;
      });
    this.batches.add(work);
  }
}
