import type { DeadLetter, FrameDelivery, FrameQueue } from '../../../application/ports/frame-queue';
import type { PublishOutcome, ResultPublisher } from '../../../application/ports/result-publisher';

export interface Tally {
  published: number;
  otherOutcomes: number;
  faces: number;
  /** Results whose traceparent is the producer's own (no span was created in between). */
  passedThrough: number;
  /** Results continuing the producer's trace with a new span id. */
  continued: number;
  /** Results whose traceparent has the sampled flag. */
  sampled: number;
}

const newTally = (): Tally => ({ published: 0, otherOutcomes: 0, faces: 0, passedThrough: 0, continued: 0, sampled: 0 });

/**
 * The queue and the result publisher of the benchmark, in memory: results are
 * acknowledged and dropped, after noting how their trace context relates to
 * the producer's (the proof that configuration A created no span).
 */
export class DiscardingFrames implements FrameQueue, ResultPublisher {
  readonly stream = 'bench-tracing';
  private producerParents = new Map<string, string>();
  tally = newTally();

  /** Starts a round: the producer traceparent of each entry id. */
  expect(producerParents: Map<string, string>): void {
    this.producerParents = producerParents;
    this.tally = newTally();
  }

  async publish(delivery: FrameDelivery, _frameId: string, result: Readonly<Record<string, string>>): Promise<PublishOutcome> {
    const producer = this.producerParents.get(delivery.entryId);
    const outgoing = result.traceparent;
    if (outgoing !== undefined && producer !== undefined) {
      if (outgoing === producer) this.tally.passedThrough += 1;
      else if (outgoing.slice(3, 35) === producer.slice(3, 35)) this.tally.continued += 1;
      if (outgoing.endsWith('-01')) this.tally.sampled += 1;
    }
    return 'published';
  }

  async ensureGroup(): Promise<void> {}
  async read(): Promise<FrameDelivery[]> {
    return [];
  }
  async reclaim(): Promise<FrameDelivery[]> {
    return [];
  }
  async deadLetter(_delivery: FrameDelivery, _failure: DeadLetter): Promise<void> {}
  async pendingCount(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}
