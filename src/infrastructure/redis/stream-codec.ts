/**
 * Decoding of Redis stream replies and encoding of the entries we write.
 * Pure functions (no connection): unit-tested on hand-made replies.
 *
 * Replies are read defensively: ioredis 6 speaks RESP3 by default and, in its
 * "legacy" reply mapping, wraps XREAD/XREADGROUP maps back into RESP2 pairs;
 * the "resp3" mapping gives a plain object instead. Both shapes are accepted.
 */
import type { DeadLetter, FrameDelivery } from '../../application/ports/frame-queue';

/** The field that may carry raw image bytes; every other field is UTF-8 text. */
export const BINARY_IMAGE_FIELD = 'image';

/** Longest error message copied into a dead-letter entry. */
const MAX_DLQ_MESSAGE_CHARS = 2000;

type Raw = Buffer | string | number | null | undefined | Raw[] | { [key: string]: Raw };

export interface RawEntry {
  readonly id: string;
  /** Null when the entry was deleted while pending (Redis 6.2 XAUTOCLAIM / XREADGROUP history reads). */
  readonly fields: readonly Raw[] | null;
}

export const toText = (value: unknown): string =>
  Buffer.isBuffer(value) ? value.toString('utf8') : value === null || value === undefined ? '' : String(value);

/** One entry's [field, value, ...] list → text fields plus the raw bytes of a binary `image` field. */
export function decodeEntryFields(raw: readonly unknown[]): { fields: Record<string, string>; image?: Buffer } {
  const fields: Record<string, string> = {};
  let image: Buffer | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = toText(raw[i]);
    const value = raw[i + 1];
    if (name === BINARY_IMAGE_FIELD) {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(toText(value), 'utf8');
      if (bytes.length > 0) image = bytes;
      continue;
    }
    fields[name] = toText(value);
  }
  return image ? { fields, image } : { fields };
}

/** A decoded delivery (fields null → the entry no longer exists → null). */
export function toDelivery(entry: RawEntry, deliveryCount: number): FrameDelivery | null {
  if (entry.fields === null) return null;
  const { fields, image } = decodeEntryFields(entry.fields);
  return image ? { entryId: entry.id, fields, image, deliveryCount } : { entryId: entry.id, fields, deliveryCount };
}

function parseEntries(raw: unknown): RawEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: RawEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item) || item.length < 1) continue;
    const fields = item[1];
    entries.push({ id: toText(item[0]), fields: Array.isArray(fields) ? (fields as Raw[]) : null });
  }
  return entries;
}

/** XREAD / XREADGROUP reply → the entries of `stream` (null reply = timeout = none). */
export function parseStreamReadReply(reply: unknown, stream: string): RawEntry[] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) {
    const entries: RawEntry[] = [];
    for (const pair of reply) {
      if (Array.isArray(pair) && toText(pair[0]) === stream) entries.push(...parseEntries(pair[1]));
    }
    return entries;
  }
  if (typeof reply === 'object') {
    const map = reply as Record<string, unknown>;
    return parseEntries(map[stream]);
  }
  return [];
}

export interface AutoClaimReply {
  /** The cursor to continue from; "0-0" once the whole pending list was scanned. */
  readonly cursor: string;
  readonly entries: RawEntry[];
  /** Ids that were pending but no longer exist in the stream (Redis ≥ 7). */
  readonly deletedIds: string[];
}

/** XAUTOCLAIM reply: [cursor, [[id, fields] | [id, null], ...], [deleted ids]?]. */
export function parseAutoClaimReply(reply: unknown): AutoClaimReply {
  if (!Array.isArray(reply) || reply.length < 2) throw new Error('unexpected XAUTOCLAIM reply');
  const entries = parseEntries(reply[1]);
  const deletedIds = Array.isArray(reply[2]) ? reply[2].map(toText) : [];
  return { cursor: toText(reply[0]), entries, deletedIds };
}

/** XPENDING <key> <group> summary → the number of pending entries. */
export function parsePendingSummary(reply: unknown): number {
  if (!Array.isArray(reply)) return 0;
  const count = Number(toText(reply[0]));
  return Number.isFinite(count) ? count : 0;
}

/** XPENDING <key> <group> <start> <end> <count> → id → delivery count. */
export function parsePendingDetails(reply: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  if (!Array.isArray(reply)) return counts;
  for (const row of reply) {
    if (!Array.isArray(row) || row.length < 4) continue;
    const deliveries = Number(toText(row[3]));
    if (Number.isFinite(deliveries)) counts.set(toText(row[0]), deliveries);
  }
  return counts;
}

/** A record → [field, value, field, value, ...] for XADD. */
export function flattenFields(fields: Readonly<Record<string, string>>): string[] {
  const flat: string[] = [];
  for (const [name, value] of Object.entries(fields)) flat.push(name, value);
  return flat;
}

/**
 * The fields of a dead-letter entry: the original text fields (a binary
 * `image` is left out to keep the stream small, its length is kept in
 * `image_bytes`), then why and where it failed.
 */
export function deadLetterFields(
  delivery: FrameDelivery,
  failure: DeadLetter,
  sourceStream: string,
  at: Date = new Date(),
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(delivery.fields)) {
    // An entry dead-lettered before and replayed: its old dlq_* fields are replaced, not repeated.
    if (name === BINARY_IMAGE_FIELD || name.startsWith('dlq_') || name === 'image_bytes') continue;
    fields[name] = value;
  }
  if (delivery.image) fields.image_bytes = String(delivery.image.byteLength);
  const message = failure.message.length > MAX_DLQ_MESSAGE_CHARS ? `${failure.message.slice(0, MAX_DLQ_MESSAGE_CHARS)}…` : failure.message;
  fields.dlq_reason = failure.reason;
  fields.dlq_error_type = failure.errorType;
  fields.dlq_error_message = message;
  fields.dlq_source_stream = sourceStream;
  fields.dlq_entry_id = delivery.entryId;
  fields.dlq_delivery_count = String(delivery.deliveryCount);
  fields.dlq_at = at.toISOString();
  return fields;
}

/** The error reply's code ("NOGROUP", "BUSYGROUP", "NOSCRIPT", ...), or null for other errors. */
export function redisErrorCode(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const match = /^([A-Z][A-Z_-]+)\s/.exec(error.message);
  return match?.[1] ?? null;
}
