/**
 * The producer's side of the runtime tests: real face JPEGs (portraits cut
 * from the sample photos, tests/support/portraits.ts), frame entries as
 * frame-buffer-v2 / `facerec loadgen` XADD them to frames:ready:<id>, and
 * readers of the result and dead-letter streams.
 *
 * Image locations a frame can use (see locateImage in src/domain/frame.ts):
 *   'frame-key'  the JPEG under frame:data:<frame_id> (the FRAME_IMAGE_KEY default), no hint in the entry
 *   'image-key'  the JPEG under another key named by metadata.image_key (what loadgen does)
 *   'inline'     base64 in the `image_data` field
 *   'binary'     raw bytes in the `image` field
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { sleep, waitFor } from './service-process';

/** A single-node client or a cluster client: the readers below work with both. */
export type StreamClient = Redis | Cluster;

export const RESULT_STREAM = 'faces:detected';
export const DEAD_LETTER_STREAM = 'faces:dead-letter';
export const CONSUMER_GROUP = 'face-recognition';
export const queueStream = (processorId: string): string => `frames:ready:${processorId}`;

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
export const randomTraceparent = (): string => `00-${hex(16)}-${hex(8)}-01`;
/** A short random tag for frame ids: frames of different tests never collide. */
export const runTag = (): string => hex(4);

export type ImageMode = 'frame-key' | 'image-key' | 'inline' | 'binary';

export interface FrameSpec {
  readonly frameId: string;
  /** The JPEG (or whatever bytes a test wants to pass as the image). Omit to store nothing. */
  readonly image?: Buffer;
  /** Where the image goes; default 'frame-key'. */
  readonly mode?: ImageMode;
  readonly cameraId?: string;
  /** Extra metadata keys (JSON-encoded into the `metadata` field with image_key when mode is 'image-key'). */
  readonly metadata?: Record<string, unknown>;
  /** Field overrides / additions (applied last; a raw `metadata` here replaces the JSON one). */
  readonly fields?: Record<string, string>;
  /** Fields to leave out (e.g. 'frame_id'). */
  readonly omit?: readonly string[];
}

export interface PushedFrame {
  readonly entryId: string;
  readonly frameId: string;
  readonly traceparent: string;
  /** The text fields as written (without a binary `image`). */
  readonly fields: Record<string, string>;
}

/** The text fields of a frame entry, as the loadgen writes them. */
export function frameFields(spec: FrameSpec, traceparent: string): Record<string, string> {
  const mode = spec.mode ?? 'frame-key';
  const metadata: Record<string, unknown> = { detection_type: 'face_detection', ...spec.metadata };
  if (mode === 'image-key') metadata.image_key = `frame:blob:${spec.frameId}`;
  const fields: Record<string, string> = {
    frame_id: spec.frameId,
    camera_id: spec.cameraId ?? 'cam-runtime',
    timestamp: new Date().toISOString(),
    size_bytes: String(spec.image?.length ?? 0),
    width: '250',
    height: '250',
    format: 'jpeg',
    trace_context: JSON.stringify({ traceparent }),
    metadata: JSON.stringify(metadata),
    priority: 'normal',
    storage_path: '',
    storage_backend: 'redis',
  };
  if (mode === 'inline' && spec.image) fields.image_data = spec.image.toString('base64');
  Object.assign(fields, spec.fields);
  for (const name of spec.omit ?? []) delete fields[name];
  return fields;
}

/** Stores the image (per its mode) and XADDs the frame entry in one MULTI, like the loadgen. */
export async function pushFrame(redis: Redis, processorId: string, spec: FrameSpec): Promise<PushedFrame> {
  const traceparent = randomTraceparent();
  const fields = frameFields(spec, traceparent);
  const mode = spec.mode ?? 'frame-key';
  const multi = redis.multi();
  if (spec.image && mode === 'frame-key') multi.set(`frame:data:${spec.frameId}`, spec.image, 'EX', 3600);
  if (spec.image && mode === 'image-key') multi.set(`frame:blob:${spec.frameId}`, spec.image, 'EX', 3600);
  const flat: (string | Buffer)[] = Object.entries(fields).flat();
  if (spec.image && mode === 'binary') flat.push('image', spec.image);
  multi.xadd(queueStream(processorId), '*', ...flat);
  const replies = await multi.exec();
  if (!replies) throw new Error('MULTI aborted');
  for (const [error] of replies) if (error) throw error;
  const entryId = String(replies[replies.length - 1]?.[1]);
  return { entryId, frameId: spec.frameId, traceparent, fields };
}

export interface PushManyOptions {
  /** Frame ids are `${prefix}-${i}`. */
  readonly prefix: string;
  readonly count: number;
  /** Frames per second; unset = as fast as possible. */
  readonly ratePerSecond?: number;
  readonly mode?: ImageMode;
  /** Called after each frame is queued (e.g. to trigger a fault after the n-th). */
  readonly onPushed?: (frame: PushedFrame, index: number) => Promise<void> | void;
}

/** Pushes `count` frames cycling over `images`, at a steady rate when asked. */
export function pushFrames(redis: Redis, processorId: string, images: readonly Buffer[], options: PushManyOptions): Promise<PushedFrame[]> {
  return pushFramesWith((spec) => pushFrame(redis, processorId, spec), images, options);
}

/** The loop of pushFrames with another way of pushing one frame (e.g. to a cluster). */
export async function pushFramesWith<T extends PushedFrame>(pushOne: (spec: FrameSpec) => Promise<T>, images: readonly Buffer[], options: PushManyOptions): Promise<T[]> {
  const pushed: T[] = [];
  const started = Date.now();
  for (let i = 0; i < options.count; i += 1) {
    if (options.ratePerSecond) {
      const wait = started + (i * 1000) / options.ratePerSecond - Date.now();
      if (wait > 0) await sleep(wait);
    }
    const image = images[i % images.length] as Buffer;
    const frame = await pushOne({ frameId: `${options.prefix}-${i}`, image, ...(options.mode ? { mode: options.mode } : {}) });
    pushed.push(frame);
    await options.onPushed?.(frame, i);
  }
  return pushed;
}

export interface StreamEntry {
  readonly id: string;
  readonly fields: Record<string, string>;
}

/** XRANGE of the whole stream, fields as a record (text). */
export async function readStream(redis: StreamClient, stream: string): Promise<StreamEntry[]> {
  const raw = await redis.xrange(stream, '-', '+');
  return raw.map(([id, list]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) fields[list[i] as string] = list[i + 1] as string;
    return { id, fields };
  });
}

/** Entries of `stream` grouped by frame_id (entries without one under ''). */
export async function entriesByFrame(redis: StreamClient, stream: string = RESULT_STREAM): Promise<Map<string, StreamEntry[]>> {
  const byFrame = new Map<string, StreamEntry[]>();
  for (const entry of await readStream(redis, stream)) {
    const id = entry.fields.frame_id ?? '';
    const list = byFrame.get(id) ?? [];
    list.push(entry);
    byFrame.set(id, list);
  }
  return byFrame;
}

export interface ResultTally {
  /** Frames without a result. */
  readonly missing: string[];
  /** Frames with more than one result: frame id → count. */
  readonly duplicated: Record<string, number>;
  /** Frames with exactly one result. */
  readonly once: number;
}

/** How many results each of `frameIds` has in the result stream. */
export async function tallyResults(redis: StreamClient, frameIds: readonly string[], stream: string = RESULT_STREAM): Promise<ResultTally> {
  const byFrame = await entriesByFrame(redis, stream);
  const missing: string[] = [];
  const duplicated: Record<string, number> = {};
  let once = 0;
  for (const id of frameIds) {
    const n = byFrame.get(id)?.length ?? 0;
    if (n === 0) missing.push(id);
    else if (n > 1) duplicated[id] = n;
    else once += 1;
  }
  return { missing, duplicated, once };
}

/** Waits until every frame has at least one result; returns the tally. */
export async function waitForResults(redis: StreamClient, frameIds: readonly string[], timeoutMs = 120_000, describe?: () => string): Promise<ResultTally> {
  let last: ResultTally | undefined;
  return waitFor(
    async () => {
      last = await tallyResults(redis, frameIds);
      return last.missing.length === 0 ? last : undefined;
    },
    {
      timeoutMs,
      intervalMs: 250,
      what: () =>
        `results for ${frameIds.length} frames (missing ${last?.missing.length ?? '?'}: ${last?.missing.slice(0, 10).join(', ')})${describe ? `\n${describe()}` : ''}`,
    },
  );
}

/** Number of results in the result stream right now. */
export const resultCount = (redis: StreamClient, stream: string = RESULT_STREAM): Promise<number> => redis.xlen(stream);

export interface QueueState {
  /** XLEN of the queue (handled entries are deleted, so this is the backlog). */
  readonly length: number;
  /** XPENDING count of the group. */
  readonly pending: number;
}

export async function queueState(redis: StreamClient, processorId: string, group = CONSUMER_GROUP): Promise<QueueState> {
  const stream = queueStream(processorId);
  const length = await redis.xlen(stream);
  let pending = 0;
  try {
    const summary = (await redis.xpending(stream, group)) as unknown[];
    pending = Number(summary[0] ?? 0);
  } catch (error) {
    if (!/NOGROUP/.test((error as Error).message)) throw error;
  }
  return { length, pending };
}

/** Waits until the queue is empty and nothing is pending. */
export async function waitForDrainedQueue(redis: StreamClient, processorId: string, timeoutMs = 60_000): Promise<QueueState> {
  let last: QueueState | undefined;
  return waitFor(
    async () => {
      last = await queueState(redis, processorId);
      return last.length === 0 && last.pending === 0 ? last : undefined;
    },
    { timeoutMs, what: () => `an empty queue ${queueStream(processorId)} (last: ${JSON.stringify(last)})` },
  );
}

export interface ConsumerInfo {
  readonly name: string;
  readonly pending: number;
  readonly idle: number;
}

/** XINFO CONSUMERS of the group (empty when the group does not exist). */
export async function consumers(redis: StreamClient, processorId: string, group = CONSUMER_GROUP): Promise<ConsumerInfo[]> {
  let raw: unknown;
  try {
    raw = await redis.xinfo('CONSUMERS', queueStream(processorId), group);
  } catch (error) {
    if (/NOGROUP|no such key/i.test((error as Error).message)) return [];
    throw error;
  }
  const rows = Array.isArray(raw) ? raw : [];
  return rows.map((row: unknown) => {
    const record: Record<string, unknown> = {};
    if (Array.isArray(row)) for (let i = 0; i + 1 < row.length; i += 2) record[String(row[i])] = row[i + 1];
    else if (row && typeof row === 'object') Object.assign(record, row);
    return { name: String(record.name), pending: Number(record.pending ?? 0), idle: Number(record.idle ?? 0) };
  });
}

/**
 * Reads up to `count` new entries of the processor's queue as consumer
 * `consumer` of the group and never acknowledges them: a replica that crashed
 * right after reading. Creates the group (from '0') when missing, as the
 * service does. Returns the entry ids read.
 */
export async function readAsGhost(redis: StreamClient, processorId: string, consumer: string, count: number, group = CONSUMER_GROUP): Promise<string[]> {
  const stream = queueStream(processorId);
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (error) {
    if (!/BUSYGROUP/.test((error as Error).message)) throw error;
  }
  const reply = (await redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')) as [string, [string, string[]][]][] | null;
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}
