import type { Redis } from 'ioredis';
import { RedisFrameQueue, type RedisFrameQueueOptions } from '../../../src/infrastructure/redis/redis-frame-queue';
import { connect, closeAll, entries, flat, frameFields, sleep, waitFor, useFlushedRedis } from './redis-test-kit';

const STREAM = 'frames:ready:proc-1';
const GROUP = 'face-recognition';
const DLQ = 'faces:dead-letter';

describe('RedisFrameQueue on a real redis-server', () => {
  const db = useFlushedRedis();
  const opened: Redis[] = [];

  const newQueue = (consumer: string, options: Partial<RedisFrameQueueOptions> = {}): RedisFrameQueue => {
    const reader = connect(db.server.url, 'blocking', `${consumer}:reader`);
    const commands = connect(db.server.url, 'commands', `${consumer}:commands`);
    opened.push(reader, commands);
    return new RedisFrameQueue(reader, commands, { processorId: 'proc-1', group: GROUP, consumer, deadLetterStream: DLQ, ...options });
  };

  afterEach(async () => {
    await closeAll(...opened.splice(0));
  });

  it('creates the group idempotently and reads entries added before the group existed', async () => {
    await db.admin.xadd(STREAM, '*', ...flat(frameFields('f1')));
    await db.admin.xadd(STREAM, '*', ...flat(frameFields('f2')));
    const queue = newQueue('c1');
    expect(queue.stream).toBe(STREAM);
    await queue.ensureGroup();
    await queue.ensureGroup();

    const batch = await queue.read(10, 1000);
    expect(batch.map((d) => d.fields.frame_id)).toEqual(['f1', 'f2']);
    expect(batch.every((d) => d.deliveryCount === 1)).toBe(true);
    expect(batch[0]?.fields).toEqual(frameFields('f1'));
    expect(batch[0]?.image).toBeUndefined();
    await expect(queue.read(10, 50)).resolves.toEqual([]);
  });

  it('creates the stream with the group (MKSTREAM) when nothing was queued yet', async () => {
    const queue = newQueue('c1');
    await queue.ensureGroup();
    expect(await db.admin.exists(STREAM)).toBe(1);
    const groups = (await db.admin.xinfo('GROUPS', STREAM)) as unknown[][];
    expect(groups).toHaveLength(1);
    await expect(queue.pendingCount()).resolves.toBe(0);
  });

  it('keeps a binary image field as bytes and decodes every other field as UTF-8', async () => {
    const image = Buffer.from(Array.from({ length: 256 }, (_, i) => i)); // not valid UTF-8
    await db.admin.xadd(STREAM, '*', ...flat({ ...frameFields('bin-1', { metadata: JSON.stringify({ note: 'caméra 東京 ✓' }) }), image }));
    const queue = newQueue('c1');
    await queue.ensureGroup();
    const [delivery] = await queue.read(1, 1000);
    expect(delivery?.image).toBeDefined();
    expect(Buffer.from(delivery?.image ?? []).equals(image)).toBe(true);
    expect(delivery?.fields.image).toBeUndefined();
    expect(JSON.parse(delivery?.fields.metadata ?? '{}')).toEqual({ note: 'caméra 東京 ✓' });
  });

  it('a blocked read returns the entry added while it waits', async () => {
    const queue = newQueue('c1');
    await queue.ensureGroup();
    const pending = queue.read(5, 15_000);
    await waitFor(async () => ((await db.admin.client('LIST')) as string).includes('cmd=xreadgroup'), 10_000, 'the reader to block');
    await db.admin.xadd(STREAM, '*', ...flat(frameFields('late')));
    const batch = await pending;
    expect(batch.map((d) => d.fields.frame_id)).toEqual(['late']);
  });

  it('recreates a vanished group instead of failing the read', async () => {
    const queue = newQueue('c1');
    await queue.ensureGroup();
    await db.admin.del(STREAM);
    await db.admin.xadd(STREAM, '*', ...flat(frameFields('after-loss')));
    const batch = await queue.read(5, 1000);
    expect(batch.map((d) => d.fields.frame_id)).toEqual(['after-loss']);
  });

  it('dead-letters atomically: copies the fields with the reason, omits the binary image, acknowledges and deletes the entry', async () => {
    const image = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]);
    await db.admin.xadd(STREAM, '*', ...flat({ ...frameFields('bad-1'), image }));
    const queue = newQueue('c1');
    await queue.ensureGroup();
    const [delivery] = await queue.read(1, 1000);
    if (!delivery) throw new Error('no delivery');
    await expect(queue.pendingCount()).resolves.toBe(1);

    await queue.deadLetter(delivery, { reason: 'image_decode_error', errorType: 'ImageDecodeError', message: 'not a JPEG' });

    expect(await db.admin.xlen(STREAM)).toBe(0);
    await expect(queue.pendingCount()).resolves.toBe(0);
    const [dead, ...more] = await entries(db.admin, DLQ);
    expect(more).toHaveLength(0);
    expect(dead?.fields).toMatchObject({
      ...frameFields('bad-1'),
      image_bytes: '5',
      dlq_reason: 'image_decode_error',
      dlq_error_type: 'ImageDecodeError',
      dlq_error_message: 'not a JPEG',
      dlq_source_stream: STREAM,
      dlq_entry_id: delivery.entryId,
      dlq_delivery_count: '1',
    });
    expect(dead?.fields.image).toBeUndefined();
    expect(new Date(dead?.fields.dlq_at ?? '').toISOString()).toBe(dead?.fields.dlq_at);
  });

  it('dead-letters in two steps in cluster mode with the same result', async () => {
    await db.admin.xadd(STREAM, '*', ...flat(frameFields('bad-2')));
    const queue = newQueue('c1', { cluster: true, deadLetterMaxLen: 10 });
    await queue.ensureGroup();
    const [delivery] = await queue.read(1, 1000);
    if (!delivery) throw new Error('no delivery');
    await queue.deadLetter(delivery, { reason: 'invalid_frame', errorType: 'InvalidFrameError', message: 'no frame_id' });
    expect(await db.admin.xlen(STREAM)).toBe(0);
    await expect(queue.pendingCount()).resolves.toBe(0);
    expect((await entries(db.admin, DLQ)).map((e) => e.fields.dlq_reason)).toEqual(['invalid_frame']);
  });

  it('reclaims entries a consumer read but never acknowledged, with the true delivery count', async () => {
    for (const id of ['r1', 'r2']) await db.admin.xadd(STREAM, '*', ...flat(frameFields(id)));
    const crashed = newQueue('crashed');
    const survivor = newQueue('survivor');
    await crashed.ensureGroup();
    expect(await crashed.read(10, 1000)).toHaveLength(2);

    const reclaimed = await waitFor(async () => {
      const got = await survivor.reclaim(50, 10);
      return got.length > 0 ? got : undefined;
    }, 20_000, 'XAUTOCLAIM to take the idle entries');
    expect(reclaimed.map((d) => d.fields.frame_id)).toEqual(['r1', 'r2']);
    expect(reclaimed.map((d) => d.deliveryCount)).toEqual([2, 2]);
    expect(reclaimed[0]?.fields).toEqual(frameFields('r1'));

    const owners = (await db.admin.xpending(STREAM, GROUP, '-', '+', 10)) as [string, string, number, number][];
    expect(owners.map((row) => row[1])).toEqual(['survivor', 'survivor']);

    // Claimed back again (the survivor crashed too): the count keeps growing.
    const again = await waitFor(async () => {
      const got = await crashed.reclaim(50, 10);
      return got.length > 0 ? got : undefined;
    }, 20_000, 'the second takeover');
    expect(again.map((d) => d.deliveryCount)).toEqual([3, 3]);
  });

  it('reclaims at most `count` entries per call, following the cursor', async () => {
    for (let i = 0; i < 5; i += 1) await db.admin.xadd(STREAM, '*', ...flat(frameFields(`m${i}`)));
    const crashed = newQueue('crashed');
    const survivor = newQueue('survivor');
    await crashed.ensureGroup();
    expect(await crashed.read(10, 1000)).toHaveLength(5);
    const first = await waitFor(async () => {
      const got = await survivor.reclaim(50, 3);
      return got.length > 0 ? got : undefined;
    }, 20_000, 'the first reclaim');
    expect(first.map((d) => d.fields.frame_id)).toEqual(['m0', 'm1', 'm2']);
    const rest = await survivor.reclaim(50, 10);
    expect(rest.map((d) => d.fields.frame_id)).toEqual(['m3', 'm4']);
  });

  it('acknowledges entries deleted while pending when reclaiming', async () => {
    for (const id of ['d1', 'd2']) await db.admin.xadd(STREAM, '*', ...flat(frameFields(id)));
    const crashed = newQueue('crashed');
    const survivor = newQueue('survivor');
    await crashed.ensureGroup();
    const read = await crashed.read(10, 1000);
    await db.admin.xdel(STREAM, read[0]?.entryId ?? '');
    const reclaimed = await waitFor(async () => {
      const got = await survivor.reclaim(50, 10);
      return got.length > 0 ? got : undefined;
    }, 20_000, 'the reclaim');
    expect(reclaimed.map((d) => d.fields.frame_id)).toEqual(['d2']);
    await expect(survivor.pendingCount()).resolves.toBe(1);
  });

  it('pendingCount is 0 without a group, and reclaim finds nothing', async () => {
    const queue = newQueue('c1');
    await expect(queue.pendingCount()).resolves.toBe(0);
    await expect(queue.reclaim(0, 10)).resolves.toEqual([]);
  });

  it('close() lets a read in progress on a live connection finish: an entry arriving meanwhile is returned, not stranded', async () => {
    const queue = newQueue('c1');
    await queue.ensureGroup();
    const reading = queue.read(5, 20_000);
    await waitFor(async () => ((await db.admin.client('LIST')) as string).includes('cmd=xreadgroup'), 10_000, 'the reader to block');
    let closed = false;
    const closing = queue.close().then(() => (closed = true));
    // Well inside the read's BLOCK time: the read is still open, on its connection, when the entry comes.
    await sleep(500);
    expect(closed).toBe(false);
    await db.admin.xadd(STREAM, '*', ...flat(frameFields('late')));
    expect((await reading).map((d) => d.fields.frame_id)).toEqual(['late']);
    await closing;
    expect(closed).toBe(true);
    // Delivered to this consumer: the caller processes it (pending until acknowledged).
    expect(((await db.admin.xpending(STREAM, GROUP)) as unknown[])[0]).toBe(1);
    await expect(queue.read(5, 10)).resolves.toEqual([]);
  });

  it('close() cuts a read that blocks forever (BLOCK 0) short: it resolves to []', async () => {
    const queue = newQueue('c1');
    await queue.ensureGroup();
    const pending = queue.read(5, 0);
    await waitFor(async () => ((await db.admin.client('LIST')) as string).includes('cmd=xreadgroup'), 10_000, 'the reader to block');
    await queue.close();
    await expect(pending).resolves.toEqual([]);
    await expect(queue.read(5, 10)).resolves.toEqual([]);
  });

  it('refuses to share one connection between the blocking reader and the other commands', () => {
    const client = connect(db.server.url, 'commands', 'shared');
    opened.push(client);
    expect(() => new RedisFrameQueue(client, client, { processorId: 'p', group: GROUP, consumer: 'c', deadLetterStream: DLQ })).toThrow(/dedicated/);
  });
});
