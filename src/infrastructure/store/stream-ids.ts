import { toText } from '../redis/stream-codec';

/** Orders two stream ids ("<ms>-<seq>"): negative, zero or positive. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map((part) => BigInt(part || '0'));
  const [bMs = 0n, bSeq = 0n] = b.split('-').map((part) => BigInt(part || '0'));
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

/** One field of an XINFO STREAM reply, in RESP2 (flat name/value list) or RESP3 (map) shape. */
export function streamInfoField(reply: unknown, name: string): string | undefined {
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (toText(reply[i]) === name) return toText(reply[i + 1]);
    return undefined;
  }
  if (reply instanceof Map) {
    const value: unknown = reply.get(name);
    return value === undefined ? undefined : toText(value);
  }
  if (typeof reply === 'object' && reply !== null && name in reply) return toText((reply as Record<string, unknown>)[name]);
  return undefined;
}
