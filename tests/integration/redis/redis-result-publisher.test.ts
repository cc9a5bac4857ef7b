import type { Redis } from 'ioredis';
import type { FrameDelivery } from '../../../src/application/ports/frame-queue';
import { RedisFrameQueue } from '../../../src/infrastructure/redis/redis-frame-queue';
import { processedMarkerKey } from '../../../src/infrastructure/redis/redis-keys';
import { RedisResultPublisher, type RedisResultPublisherOptions } from '../../../src/infrastructure/redis/redis-result-publisher';
import { closeAll, connect, entries, flat, frameFields, waitFor, useFlushedRedis } from './redis-test-kit';

const STREAM = 'frames:ready:proc-1';
const GROUP = 'face-recognition';
const RESULTS = 'faces:detected';

const result = (frameId: string): Record<string, string> => ({
  frame_id: frameId,
  camera_id: 'cam-1',
  faces: JSON.stringify([{ box: [1, 2, 3, 4], score: 0.99 }]),
  face_count: '1',
  processor_id: 'proc-1',
});

describe.each([
  ['single node (one script)', false],
  ['cluster mode (two steps)', true],
])('RedisResultPublisher, %s', (_mode, cluster) => {
  const db = useFlushedRedis();
  let reader: Redis;
  let commands: Redis;
  let queue: RedisFrameQueue;
  let publisher: RedisResultPublisher;

  const options: RedisResultPublisherOptions = {
    processorId: 'proc-1',
    group: GROUP,
    resultStream: RESULTS,
    resultStreamMaxLen: 1000,
    markerTtlSeconds: 3600,
    cluster,
  };

  /** Queues one frame and reads it back as a delivery. */
  const deliver = async (frameId: string): Promise<FrameDelivery> => {
    await db.admin.xadd(STREAM, '*', ...flat(frameFields(frameId)));
    const [delivery] = await queue.read(1, 2000);
    if (!delivery) throw new Error('nothing delivered');
    return delivery;
  };

  beforeEach(async () => {
    reader = connect(db.server.url, 'blocking', 'reader');
    commands = connect(db.server.url, 'commands', 'commands');
    queue = new RedisFrameQueue(reader, commands, { processorId: 'proc-1', group: GROUP, consumer: 'c1', deadLetterStream: 'faces:dead-letter', cluster });
    publisher = new RedisResultPublisher(commands, options);
    await queue.ensureGroup();
  });

  afterEach(async () => {
    await closeAll(reader, commands);
  });

  it('adds the result, marks the frame, and acknowledges + deletes the queue entry', async () => {
    const delivery = await deliver('f1');
    await expect(publisher.publish(delivery, 'f1', result('f1'))).resolves.toBe('published');

    expect(await db.admin.xlen(STREAM)).toBe(0);
    await expect(queue.pendingCount()).resolves.toBe(0);
    const published = await entries(db.admin, RESULTS);
    expect(published).toHaveLength(1);
    expect(published[0]?.fields).toEqual(result('f1'));

    const marker = processedMarkerKey(RESULTS, GROUP, 'f1');
    expect(marker).toBe('faces:processed:{faces:detected}:face-recognition:f1');
    expect(await db.admin.get(marker)).toBe(published[0]?.id);
    const ttl = await db.admin.ttl(marker);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it("publishes a redelivered frame once: the second publication is a 'duplicate' that is only acknowledged", async () => {
    const first = await deliver('f2');
    // The same frame comes again (a reclaim after a crash, or the producer re-queued it).
    const second = await deliver('f2');
    await expect(publisher.publish(first, 'f2', result('f2'))).resolves.toBe('published');
    await expect(publisher.publish(second, 'f2', result('f2'))).resolves.toBe('duplicate');
    // Publishing the very same delivery again (a retry after a lost reply) is harmless too.
    await expect(publisher.publish(first, 'f2', result('f2'))).resolves.toBe('duplicate');

    expect(await entries(db.admin, RESULTS)).toHaveLength(1);
    expect(await db.admin.xlen(STREAM)).toBe(0);
    await expect(queue.pendingCount()).resolves.toBe(0);
  });

  it('takes over a frame from a crashed consumer and still publishes it once', async () => {
    const crashed = connect(db.server.url, 'blocking', 'crashed-reader');
    const crashedQueue = new RedisFrameQueue(crashed, commands, { processorId: 'proc-1', group: GROUP, consumer: 'crashed', deadLetterStream: 'faces:dead-letter' });
    try {
      await db.admin.xadd(STREAM, '*', ...flat(frameFields('f3')));
      const [lost] = await crashedQueue.read(1, 2000);
      if (!lost) throw new Error('nothing delivered');
      // The crashed consumer managed to publish, but not to learn it did (cluster: died between the steps).
      await db.admin.set(processedMarkerKey(RESULTS, GROUP, 'f3'), 'x');
      const [reclaimed] = await waitFor(async () => {
        const got = await queue.reclaim(50, 10);
        return got.length > 0 ? got : undefined;
      }, 20_000, 'the reclaim');
      expect(reclaimed?.deliveryCount).toBe(2);
      await expect(publisher.publish(reclaimed as FrameDelivery, 'f3', result('f3'))).resolves.toBe('duplicate');
      expect(await db.admin.xlen(STREAM)).toBe(0);
      await expect(queue.pendingCount()).resolves.toBe(0);
      expect(await db.admin.xlen(RESULTS)).toBe(0);
    } finally {
      await closeAll(crashed);
    }
  });

  it('keeps working after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    await publisher.publish(await deliver('f4'), 'f4', result('f4'));
    await db.admin.script('FLUSH');
    await expect(publisher.publish(await deliver('f5'), 'f5', result('f5'))).resolves.toBe('published');
    expect(await db.admin.xlen(RESULTS)).toBe(2);
  });

  it('keeps frames of different consumer groups apart', async () => {
    const other = new RedisResultPublisher(commands, { ...options, group: 'other-group' });
    const delivery = await deliver('f6');
    await expect(publisher.publish(delivery, 'f6', result('f6'))).resolves.toBe('published');
    await expect(other.publish(delivery, 'f6', result('f6'))).resolves.toBe('published');
    expect(await db.admin.xlen(RESULTS)).toBe(2);
  });
});

describe('RedisResultPublisher configuration', () => {
  it('refuses a result stream name no hash tag can follow, and bad numbers', () => {
    const client = {} as never;
    const base: RedisResultPublisherOptions = { processorId: 'p', group: 'g', resultStream: 'a}b', resultStreamMaxLen: 10, markerTtlSeconds: 10 };
    expect(() => new RedisResultPublisher(client, base)).toThrow(/hash tag/);
    expect(() => new RedisResultPublisher(client, { ...base, resultStream: 'ok', markerTtlSeconds: 0 })).toThrow(/markerTtlSeconds/);
    expect(() => new RedisResultPublisher(client, { ...base, resultStream: 'ok', resultStreamMaxLen: 0 })).toThrow(/resultStreamMaxLen/);
  });
});
