import type { FrameDelivery } from './frame-queue';

export type PublishOutcome = 'published' | 'duplicate';

/**
 * Publishes one result per frame, exactly once: the result is added only if
 * no result for this frame id was published before, and the queue entry is
 * acknowledged and deleted in the same step. A redelivered frame whose result
 * is already out is just acknowledged ('duplicate').
 */
export interface ResultPublisher {
  publish(delivery: FrameDelivery, frameId: string, result: Readonly<Record<string, string>>): Promise<PublishOutcome>;
}
