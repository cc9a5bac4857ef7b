import { Overloaded } from '../errors';

export interface AdmissionLimits {
  /** Work items running at once. */
  readonly maxConcurrent: number;
  /** Work items waiting for a slot at most; one more is refused at once (0 = none wait). */
  readonly maxQueued: number;
}

export interface AdmissionLoad {
  readonly running: number;
  readonly queued: number;
}

interface Waiter {
  readonly admit: () => void;
}

/**
 * Bounds how much on-demand work (API requests) runs beside the stream: at
 * most `maxConcurrent` items run, at most `maxQueued` wait in arrival order,
 * and anything beyond is refused at once with `Overloaded`, so a burst of
 * requests cannot take the inference workers from the frames. A waiter whose
 * caller gives up (its signal aborts) leaves the queue. A slot is held until
 * the work settles, even when its caller has stopped waiting for it: work
 * already handed to the workers still occupies them.
 */
export class AdmissionGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limits: AdmissionLimits) {
    if (!(limits.maxConcurrent >= 1) || !(limits.maxQueued >= 0)) {
      throw new RangeError(`admission limits must be maxConcurrent >= 1, maxQueued >= 0 (got ${limits.maxConcurrent}, ${limits.maxQueued})`);
    }
  }

  get load(): AdmissionLoad {
    return { running: this.running, queued: this.waiting.length };
  }

  /** Runs `work` once a slot is free; throws Overloaded when none is free and the queue is full, or when `signal` aborts while waiting. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.admit(signal);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private admit(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(this.refusal('the request was abandoned before it was admitted'));
    if (this.running < this.limits.maxConcurrent) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxQueued) {
      return Promise.reject(this.refusal(`${this.running} requests are running and ${this.waiting.length} waiting, the most this service takes on`));
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(this.refusal('the request was abandoned while waiting for an inference slot'));
      };
      const waiter: Waiter = {
        admit: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands the slot to the longest waiter, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next.admit();
    else this.running -= 1;
  }

  private refusal(message: string): Overloaded {
    return new Overloaded(message, { running: this.running, queued: this.waiting.length, maxConcurrent: this.limits.maxConcurrent, maxQueued: this.limits.maxQueued });
  }
}
