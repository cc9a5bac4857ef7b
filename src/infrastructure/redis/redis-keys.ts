/**
 * Key names of the processor's Redis data. Pure functions: unit-tested, and
 * shared by the adapters so that names cannot drift apart.
 */

/** The input queue frame-buffer-v2 fills for one processor (it XADDs there). */
export const frameQueueStream = (processorId: string): string => `frames:ready:${processorId}`;

/**
 * The part of a key Redis Cluster hashes to pick the slot: the text between
 * the first '{' and the next '}' when that is non-empty, the whole key otherwise.
 */
export function clusterHashPart(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster maps keys to slots with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export const CLUSTER_SLOTS = 16384;

/** The Redis Cluster slot of `key` (what CLUSTER KEYSLOT answers). */
export const clusterSlot = (key: string): number => crc16(Buffer.from(clusterHashPart(key), 'utf8')) % CLUSTER_SLOTS;

/** "{<hash part of key>}": a hash tag that puts another key in the same cluster slot as `key`. */
export function sameSlotTag(key: string): string {
  const part = clusterHashPart(key);
  if (part.includes('}')) {
    // Only possible when `key` has no usable hash tag and contains '}' itself: no tag can reproduce its slot.
    throw new Error(`cannot build a hash tag for key '${key}': choose a stream name without '}' or with a {hash tag}`);
  }
  return `{${part}}`;
}

/**
 * The "result already published" marker of one frame, e.g.
 * `faces:processed:{faces:detected}:face-recognition:cam1-42`. The hash tag
 * puts it in the result stream's cluster slot, so one script can check the
 * marker and XADD the result atomically.
 */
export const processedMarkerKey = (resultStream: string, group: string, frameId: string): string =>
  `faces:processed:${sameSlotTag(resultStream)}:${group}:${frameId}`;
