import type { FrameDelivery } from '../../../../src/application/ports/frame-queue';
import {
  deadLetterFields,
  decodeEntryFields,
  flattenFields,
  parseAutoClaimReply,
  parsePendingDetails,
  parsePendingSummary,
  parseStreamReadReply,
  redisErrorCode,
  toDelivery,
} from '../../../../src/infrastructure/redis/stream-codec';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');
const IMAGE = Buffer.from([0x00, 0xff, 0xfe, 0x80]);

describe('decodeEntryFields', () => {
  it('decodes text fields as UTF-8 and keeps the image field as bytes', () => {
    const decoded = decodeEntryFields([b('frame_id'), b('f1'), b('image'), IMAGE, b('note'), b('東京 ✓')]);
    expect(decoded.fields).toEqual({ frame_id: 'f1', note: '東京 ✓' });
    expect(decoded.image?.equals(IMAGE)).toBe(true);
  });

  it('leaves out an empty image field and accepts string values', () => {
    expect(decodeEntryFields(['frame_id', 'f1', 'image', ''])).toEqual({ fields: { frame_id: 'f1' } });
  });

  it('ignores a dangling field name', () => {
    expect(decodeEntryFields([b('a'), b('1'), b('b')]).fields).toEqual({ a: '1' });
  });
});

describe('toDelivery', () => {
  it('builds a delivery, or null for an entry deleted while pending', () => {
    expect(toDelivery({ id: '1-0', fields: [b('a'), b('1')] }, 3)).toEqual({ entryId: '1-0', fields: { a: '1' }, deliveryCount: 3 });
    expect(toDelivery({ id: '1-0', fields: null }, 1)).toBeNull();
    expect(toDelivery({ id: '1-0', fields: [b('image'), IMAGE] }, 1)?.image).toEqual(IMAGE);
  });
});

describe('parseStreamReadReply', () => {
  const entries = [[b('1-0'), [b('a'), b('1')]], [b('2-0'), [b('a'), b('2')]]];

  it('reads the RESP2 / legacy shape', () => {
    const parsed = parseStreamReadReply([[b('s'), entries], [b('other'), [[b('9-0'), [b('x'), b('y')]]]]], 's');
    expect(parsed.map((e) => e.id)).toEqual(['1-0', '2-0']);
  });

  it('reads the RESP3 map shape', () => {
    expect(parseStreamReadReply({ s: entries }, 's').map((e) => e.id)).toEqual(['1-0', '2-0']);
  });

  it('treats a null reply (timeout) as no entries', () => {
    expect(parseStreamReadReply(null, 's')).toEqual([]);
    expect(parseStreamReadReply(42, 's')).toEqual([]);
  });
});

describe('parseAutoClaimReply', () => {
  it('reads the cursor, the claimed entries and the deleted ids', () => {
    const reply = parseAutoClaimReply([b('5-0'), [[b('1-0'), [b('a'), b('1')]], [b('2-0'), null]], [b('3-0')]]);
    expect(reply.cursor).toBe('5-0');
    expect(reply.entries).toEqual([
      { id: '1-0', fields: [b('a'), b('1')] },
      { id: '2-0', fields: null },
    ]);
    expect(reply.deletedIds).toEqual(['3-0']);
  });

  it('accepts the Redis 6.2 two-element reply and rejects garbage', () => {
    expect(parseAutoClaimReply(['0-0', []]).deletedIds).toEqual([]);
    expect(() => parseAutoClaimReply(null)).toThrow(/XAUTOCLAIM/);
  });
});

describe('XPENDING replies', () => {
  it('reads the summary count', () => {
    expect(parsePendingSummary([3, '1-0', '3-0', [['c', '3']]])).toBe(3);
    expect(parsePendingSummary(['7', null, null, null])).toBe(7);
    expect(parsePendingSummary(null)).toBe(0);
  });

  it('reads the delivery count per id', () => {
    const counts = parsePendingDetails([
      ['1-0', 'c', 10, 2],
      [b('2-0'), b('c'), 5, '4'],
      ['bad'],
    ]);
    expect([...counts]).toEqual([
      ['1-0', 2],
      ['2-0', 4],
    ]);
    expect(parsePendingDetails(null).size).toBe(0);
  });
});

describe('flattenFields', () => {
  it('alternates names and values', () => {
    expect(flattenFields({ a: '1', b: '2' })).toEqual(['a', '1', 'b', '2']);
  });
});

describe('deadLetterFields', () => {
  const delivery: FrameDelivery = {
    entryId: '42-0',
    fields: { frame_id: 'f1', camera_id: 'c', dlq_reason: 'old', image_bytes: '1' },
    image: IMAGE,
    deliveryCount: 3,
  };

  it('keeps the original text fields, records the image size, and adds the failure', () => {
    const fields = deadLetterFields(delivery, { reason: 'max_attempts', errorType: 'Error', message: 'boom' }, 'frames:ready:p', new Date('2026-01-01T00:00:00Z'));
    expect(fields).toEqual({
      frame_id: 'f1',
      camera_id: 'c',
      image_bytes: '4',
      dlq_reason: 'max_attempts',
      dlq_error_type: 'Error',
      dlq_error_message: 'boom',
      dlq_source_stream: 'frames:ready:p',
      dlq_entry_id: '42-0',
      dlq_delivery_count: '3',
      dlq_at: '2026-01-01T00:00:00.000Z',
    });
  });

  it('truncates very long messages', () => {
    const fields = deadLetterFields({ ...delivery, image: undefined }, { reason: 'r', errorType: 'E', message: 'x'.repeat(5000) }, 's');
    expect(fields.dlq_error_message?.length).toBeLessThan(2100);
    expect(fields.image_bytes).toBeUndefined();
  });
});

describe('redisErrorCode', () => {
  it('extracts the code of a Redis error reply', () => {
    expect(redisErrorCode(new Error('NOGROUP No such key'))).toBe('NOGROUP');
    expect(redisErrorCode(new Error('BUSYGROUP Consumer Group name already exists'))).toBe('BUSYGROUP');
    expect(redisErrorCode(new Error('Connection is closed.'))).toBeNull();
    expect(redisErrorCode('NOGROUP')).toBeNull();
  });
});
