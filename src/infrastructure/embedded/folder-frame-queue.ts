import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DeadLetter, FrameDelivery, FrameQueue } from '../../application/ports/frame-queue';

export interface FolderQueueSettings {
  readonly files: readonly string[];
  readonly passes: number;
  readonly cameraId: string;
}

/**
 * The embedded default's queue: every image of a folder becomes a frame with
 * its pixels inline, once per pass, so the production use case runs with no
 * Redis. Dead letters are kept in memory and reported in the output.
 */
export class FolderFrameQueue implements FrameQueue {
  readonly stream = 'embedded';
  readonly deadLetters: Array<{ delivery: FrameDelivery; failure: DeadLetter }> = [];
  private next = 0;
  private readonly total: number;
  /** Delivered, not yet acknowledged: the delivery and when it was handed out. */
  private readonly unacknowledged = new Map<string, { delivery: FrameDelivery; deliveredAt: number }>();
  private closed = false;
  /** Ends the wait of a read on exhausted input (close() calls it). */
  private wakeReader: (() => void) | null = null;

  constructor(private readonly settings: FolderQueueSettings) {
    this.total = settings.files.length * settings.passes;
  }

  /** True once every frame was handed out and acknowledged. */
  get exhausted(): boolean {
    return this.next >= this.total && this.unacknowledged.size === 0;
  }

  async ensureGroup(): Promise<void> {}

  async read(count: number, blockMs: number): Promise<FrameDelivery[]> {
    if (this.closed) return [];
    if (this.next >= this.total) {
      // Nothing left: block like a queue read, until blockMs runs out or close().
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, blockMs);
        this.wakeReader = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeReader = null;
      return [];
    }
    const deliveries: FrameDelivery[] = [];
    while (deliveries.length < count && this.next < this.total) {
      const index = this.next;
      this.next += 1;
      const path = this.settings.files[index % this.settings.files.length] as string;
      const pass = Math.floor(index / this.settings.files.length);
      const entryId = `${Date.now()}-${index}`;
      const delivery: FrameDelivery = {
        entryId,
        deliveryCount: 1,
        image: await readFile(path),
        fields: {
          frame_id: this.settings.passes > 1 ? `${basename(path)}#${pass + 1}` : basename(path),
          camera_id: this.settings.cameraId,
          timestamp: new Date().toISOString(),
          format: path.split('.').pop() ?? '',
          metadata: JSON.stringify({ source_path: path }),
        },
      };
      this.unacknowledged.set(entryId, { delivery, deliveredAt: Date.now() });
      deliveries.push(delivery);
    }
    return deliveries;
  }

  /** Redelivers frames left unacknowledged (a transient failure) for longer than `minIdleMs`. */
  async reclaim(minIdleMs: number, count: number): Promise<FrameDelivery[]> {
    const now = Date.now();
    const idle = [...this.unacknowledged.values()].filter((entry) => now - entry.deliveredAt >= minIdleMs).slice(0, count);
    return idle.map((entry) => {
      const delivery = { ...entry.delivery, deliveryCount: entry.delivery.deliveryCount + 1 };
      this.unacknowledged.set(delivery.entryId, { delivery, deliveredAt: now });
      return delivery;
    });
  }

  acknowledge(entryId: string): void {
    this.unacknowledged.delete(entryId);
  }

  async deadLetter(delivery: FrameDelivery, failure: DeadLetter): Promise<void> {
    this.deadLetters.push({ delivery, failure });
    this.acknowledge(delivery.entryId);
  }

  async pendingCount(): Promise<number> {
    return this.unacknowledged.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeReader?.();
  }
}
