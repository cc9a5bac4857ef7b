import type { Redis } from 'ioredis';
import type { FrameDelivery } from '../../../src/application/ports/frame-queue';
import { DependencyUnavailable } from '../../../src/domain/errors';
import { createRedisConnection } from '../../../src/infrastructure/redis/redis-connection';
import { RedisFrameQueue } from '../../../src/infrastructure/redis/redis-frame-queue';
import { RedisResultPublisher } from '../../../src/infrastructure/redis/redis-result-publisher';
import { startRedisServer, type RedisServer } from '../../support/redis-server';
import { closeAll, connect, flat, frameFields, waitFor } from './redis-test-kit';

const STREAM = 'frames:ready:proc-1';
const GROUP = 'face-recognition';

/** What the consumer loop does: read until the frame shows up; a read must never throw. */
async function readUntil(queue: RedisFrameQueue, frameId: string, timeoutMs = 40_000): Promise<FrameDelivery> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const batch = await queue.read(10, 1000);
    const found = batch.find((d) => d.fields.frame_id === frameId);
    if (found) return found;
  }
  throw new Error(`frame ${frameId} never arrived`);
}

const isBlocked = async (admin: Redis, connectionName: string): Promise<boolean> => {
  const list = (await admin.client('LIST')) as string;
  return list.split('\n').some((line) => line.includes(`name=${connectionName} `) && line.includes('cmd=xreadgroup'));
};

describe('Redis outages', () => {
  describe('without persistence', () => {
    let server: RedisServer;
    let admin: Redis;
    let reader: Redis;
    let commands: Redis;
    let queue: RedisFrameQueue;

    beforeAll(async () => {
      server = await startRedisServer();
    });

    afterAll(async () => {
      await server?.dispose();
    });

    beforeEach(async () => {
      admin = connect(server.url, 'commands', 'admin');
      reader = connect(server.url, 'blocking', 'c1:reader');
      commands = connect(server.url, 'commands', 'c1:commands');
      await admin.flushall();
      queue = new RedisFrameQueue(reader, commands, { processorId: 'proc-1', group: GROUP, consumer: 'c1', deadLetterStream: 'faces:dead-letter' });
      await queue.ensureGroup();
    });

    afterEach(async () => {
      await closeAll(admin, reader, commands);
    });

    it('a reader blocked during a restart reconnects; its read does not throw and the next frame is read', async () => {
      const blocked = queue.read(10, 5000);
      await waitFor(() => isBlocked(admin, 'test:c1:reader'), 10_000, 'the reader to block');

      await server.restart(); // SIGKILL + start on the same port: the stream and the group are gone

      await admin.xadd(STREAM, '*', ...flat(frameFields('after-restart')));
      const first = await blocked; // resent after the reconnect; must not reject
      const delivery = first.find((d) => d.fields.frame_id === 'after-restart') ?? (await readUntil(queue, 'after-restart'));
      expect(delivery.deliveryCount).toBe(1);
      expect(reader.status).toBe('ready');
    });

    it('a read issued while Redis is down waits for it to come back instead of failing', async () => {
      await server.kill();
      await waitFor(() => reader.status === 'reconnecting' || reader.status === 'connecting', 10_000, 'the reader to notice');
      let settled = false;
      let attempts = 0;
      reader.on('reconnecting', () => (attempts += 1));
      const waiting = queue.read(10, 1000).finally(() => (settled = true));
      // Several failed reconnection attempts later, the read is still waiting (not rejected).
      await waitFor(() => attempts >= 3, 20_000, 'three reconnection attempts');
      expect(settled).toBe(false);

      await server.start();
      await expect(waiting).resolves.toBeInstanceOf(Array);
      await admin.xadd(STREAM, '*', ...flat(frameFields('after-outage')));
      await expect(readUntil(queue, 'after-outage')).resolves.toMatchObject({ deliveryCount: 1 });
    });

    it('close() ends a read that waits out an outage at once: it resolves to [] (ioredis alone would keep it queued)', async () => {
      await server.kill();
      try {
        await waitFor(() => reader.status === 'reconnecting' || reader.status === 'connecting', 10_000, 'the reader to notice');
        const waiting = queue.read(10, 1000);
        await queue.close();
        await expect(waiting).resolves.toEqual([]);
      } finally {
        await server.start();
      }
    });

    it('a publication during an outage fails with DependencyUnavailable (the entry stays pending), and succeeds after it', async () => {
      const impatient = createRedisConnection({ url: server.url, role: 'commands', connectionName: 'test:impatient', maxRetriesPerRequest: 1 }) as Redis;
      try {
        const publisher = new RedisResultPublisher(impatient, {
          processorId: 'proc-1',
          group: GROUP,
          resultStream: 'faces:detected',
          resultStreamMaxLen: 1000,
          markerTtlSeconds: 60,
        });
        await admin.xadd(STREAM, '*', ...flat(frameFields('p1')));
        const delivery = await readUntil(queue, 'p1');
        await server.kill();
        await expect(publisher.publish(delivery, 'p1', { frame_id: 'p1' })).rejects.toBeInstanceOf(DependencyUnavailable);

        await server.start();
        // The data is gone with the restart; re-queue and publish the frame again.
        await admin.xadd(STREAM, '*', ...flat(frameFields('p1')));
        const again = await readUntil(queue, 'p1');
        await expect(waitFor(() => publisher.publish(again, 'p1', { frame_id: 'p1' }).catch(() => undefined), 20_000, 'a publication')).resolves.toBe('published');
        expect(await admin.xlen(STREAM)).toBe(0);
      } finally {
        await closeAll(impatient);
      }
    });
  });

  describe('with appendonly persistence', () => {
    let server: RedisServer;

    beforeAll(async () => {
      server = await startRedisServer({ appendonly: true });
    });

    afterAll(async () => {
      await server?.dispose();
    });

    it('keeps the group and pending entries across a restart; another consumer reclaims and publishes them once', async () => {
      const admin = connect(server.url, 'commands', 'admin');
      const readerA = connect(server.url, 'blocking', 'a:reader');
      const readerB = connect(server.url, 'blocking', 'b:reader');
      const commands = connect(server.url, 'commands', 'commands');
      try {
        const options = { processorId: 'proc-1', group: GROUP, deadLetterStream: 'faces:dead-letter' };
        const crashed = new RedisFrameQueue(readerA, commands, { ...options, consumer: 'a' });
        const survivor = new RedisFrameQueue(readerB, commands, { ...options, consumer: 'b' });
        const publisher = new RedisResultPublisher(commands, { ...options, resultStream: 'faces:detected', resultStreamMaxLen: 1000, markerTtlSeconds: 60 });
        await crashed.ensureGroup();
        await admin.xadd(STREAM, '*', ...flat(frameFields('kept')));
        expect(await readUntil(crashed, 'kept')).toMatchObject({ deliveryCount: 1 });

        await server.restart();

        await expect(waitFor(() => survivor.pendingCount().catch(() => undefined), 20_000, 'pendingCount')).resolves.toBe(1);
        const [reclaimed] = await waitFor(async () => {
          const got = await survivor.reclaim(50, 10);
          return got.length > 0 ? got : undefined;
        }, 20_000, 'the reclaim');
        expect(reclaimed).toMatchObject({ deliveryCount: 2, fields: { frame_id: 'kept' } });
        // The script cache died with the process: EVALSHA falls back to EVAL.
        await expect(publisher.publish(reclaimed as FrameDelivery, 'kept', { frame_id: 'kept' })).resolves.toBe('published');
        await expect(survivor.pendingCount()).resolves.toBe(0);
        expect(await admin.xlen(STREAM)).toBe(0);
      } finally {
        await closeAll(admin, readerA, readerB, commands);
      }
    });
  });
});
