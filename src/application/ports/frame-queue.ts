/** One delivery of a queue entry to this consumer. */
export interface FrameDelivery {
  /** The stream entry id (e.g. "1700000000000-0"). */
  readonly entryId: string;
  /** Every field of the entry as text, except a binary `image` field. */
  readonly fields: Readonly<Record<string, string>>;
  /** The raw bytes of an `image` field, when the producer sent pixels inline. */
  readonly image?: Uint8Array;
  /** How many times the entry has been delivered, this delivery included (1 = first). */
  readonly deliveryCount: number;
}

export interface DeadLetter {
  /** Stable machine reason, e.g. "invalid_frame", "image_decode_error", "max_attempts". */
  readonly reason: string;
  /** The error class name. */
  readonly errorType: string;
  readonly message: string;
}

/**
 * The processor's input queue: a consumer group on a stream. At-least-once:
 * an entry stays pending until it is acknowledged (by the publisher, or by
 * dead-lettering), and entries of a crashed consumer are reclaimed.
 */
export interface FrameQueue {
  readonly stream: string;
  /** Creates the consumer group (and the stream) if missing; idempotent. */
  ensureGroup(): Promise<void>;
  /** New entries for this consumer, waiting up to `blockMs` for the first one. */
  read(count: number, blockMs: number): Promise<FrameDelivery[]>;
  /** Takes over entries pending longer than `minIdleMs` on any consumer (XAUTOCLAIM). */
  reclaim(minIdleMs: number, count: number): Promise<FrameDelivery[]>;
  /** Copies the entry with the failure to the dead-letter stream, then acknowledges and deletes it, atomically. */
  deadLetter(delivery: FrameDelivery, failure: DeadLetter): Promise<void>;
  /** Entries delivered to the group but not yet acknowledged. */
  pendingCount(): Promise<number>;
  /**
   * Stops reading, for good. A read in progress returns promptly: a read that
   * is only waiting (for entries, or for the queue to come back after an
   * outage) returns []; one whose entries may already be delivered to this
   * consumer may still return them, and they must be processed. Deliveries
   * can still be dead-lettered (and acknowledged by the publisher) afterwards.
   */
  close(): Promise<void>;
}
