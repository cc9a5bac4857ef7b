import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import sharp from 'sharp';
import { UsageError } from '../output';

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A JPEG and its dimensions, as a producer announces them. */
export interface FrameImage {
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
}

/** The file and its dimensions (read from the header, nothing is decoded). */
export async function loadFrameImage(path: string): Promise<FrameImage> {
  const bytes = await readFile(path);
  const { width, height } = await sharp(bytes).metadata();
  if (!width || !height) throw new UsageError(`cannot read the dimensions of ${path}`);
  return { bytes, width, height };
}

export const imageKeyOf = (frameId: string): string => `frame:data:${frameId}`;

/**
 * The producer's side of the frame contract: the JPEG stored in Redis under
 * its own key (claim check), then a frame entry XADDed to `stream` with the
 * fields frame-buffer-v2 routes on (positive width and height, ISO
 * timestamp, JSON trace_context with a fresh W3C traceparent, metadata with
 * image_key and detection_type). Used by `facerec loadgen` and the benchmarks.
 */
export class FrameProducer {
  constructor(
    private readonly redis: Redis,
    readonly stream: string,
    private readonly imageTtlSeconds = 300,
  ) {}

  async send(frameId: string, cameraId: string, image: FrameImage): Promise<void> {
    const imageKey = imageKeyOf(frameId);
    const traceparent = `00-${randomHex(16)}-${randomHex(8)}-01`;
    await this.redis
      .multi()
      .set(imageKey, image.bytes, 'EX', this.imageTtlSeconds)
      .xadd(this.stream, 'MAXLEN', '~', '10000', '*',
        'frame_id', frameId,
        'camera_id', cameraId,
        'timestamp', new Date().toISOString(),
        'size_bytes', String(image.bytes.length),
        // frame-buffer-v2 rejects a frame without positive dimensions (before routing it anywhere).
        'width', String(image.width), 'height', String(image.height),
        'format', 'jpeg',
        'trace_context', JSON.stringify({ traceparent }),
        'metadata', JSON.stringify({ image_key: imageKey, detection_type: 'face_detection' }),
        'priority', 'normal',
        'storage_path', '',
        'storage_backend', 'redis')
      .exec();
  }
}

/**
 * Reads the result stream from where it ends when collecting starts and
 * counts the results of each expected frame: the first one's arrival time
 * (performance.now()) and how many there were, so that a lost frame (none)
 * and a duplicated one (more than one) both show.
 */
export class ResultCollector {
  private readonly sentAt = new Map<string, number>();
  private readonly firstAt = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly reader: Redis,
    private readonly resultStream: string,
    private readonly onFirstResult: (frameId: string) => void,
  ) {}

  /** `reader` is a connection of its own: it blocks on XREAD. */
  static async start(reader: Redis, resultStream: string, onFirstResult: (frameId: string) => void = () => {}): Promise<ResultCollector> {
    const collector = new ResultCollector(reader, resultStream, onFirstResult);
    const lastId = (await reader.xrevrange(resultStream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    collector.loop = collector.read(lastId);
    return collector;
  }

  /** A frame about to be sent. */
  expect(frameId: string): void {
    this.sentAt.set(frameId, performance.now());
  }

  get expected(): number {
    return this.sentAt.size;
  }

  /** Expected frames with at least one result. */
  get completed(): number {
    return this.firstAt.size;
  }

  /** Expected frames with more than one result. */
  get duplicated(): number {
    let n = 0;
    for (const count of this.counts.values()) if (count > 1) n += 1;
    return n;
  }

  /** End-to-end latencies (ms) of the completed frames. */
  latenciesMs(): number[] {
    return [...this.firstAt].map(([frameId, at]) => at - (this.sentAt.get(frameId) as number));
  }

  lastResultAt(): number | undefined {
    return this.firstAt.size === 0 ? undefined : Math.max(...this.firstAt.values());
  }

  /** Waits until every expected frame has a result, or `timeoutMs`; true when all have. */
  async waitForAll(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.completed < this.expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    return this.completed >= this.expected;
  }

  /**
   * Waits until every expected frame has a result, or until none has come for
   * `idleMs`: a service working through a long backlog is not cut short, and
   * a frame it never answers is not waited for forever. True when all have.
   */
  async waitUntilAllOrIdle(idleMs: number): Promise<boolean> {
    let seen = this.completed;
    let idleSince = performance.now();
    while (this.completed < this.expected && performance.now() - idleSince < idleMs) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (this.completed !== seen) {
        seen = this.completed;
        idleSince = performance.now();
      }
    }
    return this.completed >= this.expected;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async read(fromId: string): Promise<void> {
    let lastId = fromId;
    while (this.running) {
      const reply = (await this.reader.xread('COUNT', 500, 'BLOCK', 200, 'STREAMS', this.resultStream, lastId)) as Array<[string, Array<[string, string[]]>]> | null;
      const now = performance.now();
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          lastId = id;
          const index = fields.indexOf('frame_id');
          const frameId = index >= 0 ? fields[index + 1] : undefined;
          if (frameId === undefined || !this.sentAt.has(frameId)) continue;
          const count = (this.counts.get(frameId) ?? 0) + 1;
          this.counts.set(frameId, count);
          if (count === 1) {
            this.firstAt.set(frameId, now);
            this.onFirstResult(frameId);
          }
        }
      }
    }
  }
}
