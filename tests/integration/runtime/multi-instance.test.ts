import { FakeOrchestrator } from '../../support/fake-orchestrator';
import {
  consumers,
  DEAD_LETTER_STREAM,
  entriesByFrame,
  pushFrames,
  queueStream,
  readStream,
  runTag,
  waitForDrainedQueue,
  waitForResults,
} from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import { useRuntimeRedis } from '../../support/runtime-redis';
import { ServiceProcess, waitFor } from '../../support/service-process';

/**
 * Acceptance: replicas of one PROCESSOR_ID (distinct CONSUMER_NAMEs) share
 * the queue's consumer group — both do work, each frame gets exactly one
 * result — and processors with different ids register their own queues and
 * consume only those.
 */

jest.setTimeout(300_000);

const PREFIX = '/api/v1/processors';

describe('service runtime: several instances', () => {
  const rt = useRuntimeRedis({ producer: true, stopServicesAfterEach: true });
  let fake: FakeOrchestrator;
  let images: Buffer[];

  beforeAll(async () => {
    fake = await FakeOrchestrator.start();
    images = loadPortraits(20);
  });

  afterAll(async () => {
    await fake?.close();
  });

  it('two replicas of one PROCESSOR_ID share the consumer group: both process frames, each frame gets one result', async () => {
    const processorId = `shared-${runTag()}`;
    const frameCount = 40;
    // Small batches and capacity, so that neither replica can take the whole backlog at once.
    const env = { REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, ORCHESTRATOR_URL: fake.url, CAPACITY: '2', MAX_BATCH: '1', ORT_INTRA_OP_THREADS: '1' };
    const a = await ServiceProcess.start({ ...env, CONSUMER_NAME: 'replica-a' });
    const b = await ServiceProcess.start({ ...env, CONSUMER_NAME: 'replica-b' });
    await Promise.all([a.waitUntilConsuming(), b.waitUntilConsuming()]);
    // Both announce the same processor (the second POST gets 409 and updates it).
    await Promise.all([a.waitForLog('registered with the orchestrator'), b.waitForLog('registered with the orchestrator')]);
    expect(fake.registrations().size).toBeGreaterThanOrEqual(1);
    expect(fake.registration(processorId)).toEqual(expect.objectContaining({ queue: queueStream(processorId), capacity: 2 }));

    const prefix = `${processorId}-f`;
    const frames = await pushFrames(rt.producer, processorId, images, { prefix, count: frameCount, ratePerSecond: 10 });
    const ids = frames.map((f) => f.frameId);
    const tally = await waitForResults(rt.client, ids, 180_000, () => `${a.tail()}\n${b.tail()}`);
    expect(tally).toEqual({ missing: [], duplicated: {}, once: frameCount });
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });
    expect(await readStream(rt.client, DEAD_LETTER_STREAM)).toEqual([]);

    // Each replica did part of the work, and together exactly all of it.
    const processed = async (service: ServiceProcess): Promise<number> => Number((await service.health()).body.frames_processed);
    const [byA, byB] = await waitFor(
      async () => {
        const counts = [await processed(a), await processed(b)] as const;
        return counts[0] + counts[1] >= frameCount ? counts : undefined;
      },
      { timeoutMs: 30_000, what: 'the replicas to count every frame' },
    );
    expect({ byA: byA > 0, byB: byB > 0, total: byA + byB }).toEqual({ byA: true, byB: true, total: frameCount });
    const group = await consumers(rt.client, processorId);
    expect(group.map((c) => c.name).sort()).toEqual(['replica-a', 'replica-b']);
    expect(group.every((c) => c.pending === 0)).toBe(true);
    const byFrame = await entriesByFrame(rt.client);
    for (const id of ids) expect(byFrame.get(id)?.[0]?.fields.processor_id).toBe(processorId);

    // One replica stops (and unregisters the shared id): the other is told so by its next heartbeat and registers again.
    expect(await a.terminate()).toEqual({ code: 0, signal: null });
    await b.waitForLog('the orchestrator forgot this processor; registering again', 30_000);
    await waitFor(() => fake.registration(processorId), { timeoutMs: 30_000, what: 'the survivor to register again' });
    expect(b.alive).toBe(true);
    expect(await b.terminate()).toEqual({ code: 0, signal: null });
    expect(fake.registration(processorId)).toBeUndefined();
  });

  it('processors with different PROCESSOR_IDs register their own queues and consume only their own frames', async () => {
    const tag = runTag();
    const ids = [`left-${tag}`, `right-${tag}`] as const;
    const services = await Promise.all(
      ids.map((id) => ServiceProcess.start({ REDIS_URL: rt.redis.url, PROCESSOR_ID: id, ORCHESTRATOR_URL: fake.url, CAPACITY: '3', ORT_INTRA_OP_THREADS: '1' })),
    );
    await Promise.all(services.map((s) => s.waitUntilConsuming()));
    await Promise.all(services.map((s) => s.waitForLog('registered with the orchestrator')));
    for (const id of ids) {
      expect(fake.registration(id)).toEqual(
        expect.objectContaining({ id, queue: queueStream(id), capacity: 3, capabilities: ['face_detection', 'face_recognition'] }),
      );
    }
    expect(fake.requestsTo('POST', `${PREFIX}/register`).map((r) => (r.body as { id: string }).id).filter((id) => (ids as readonly string[]).includes(id)).sort()).toEqual(
      [...ids].sort(),
    );
    await waitFor(() => ids.every((id) => fake.registration(id)?.last_heartbeat), { timeoutMs: 30_000, what: 'heartbeats of both processors' });

    const pushed = await Promise.all(ids.map((id, k) => pushFrames(rt.producer, id, images.slice(k * 6), { prefix: `${id}-f`, count: 6 })));
    const all = pushed.flat().map((f) => f.frameId);
    expect(await waitForResults(rt.client, all, 180_000, () => services.map((s) => s.tail()).join('\n'))).toEqual({ missing: [], duplicated: {}, once: all.length });
    const byFrame = await entriesByFrame(rt.client);
    ids.forEach((id, k) => {
      for (const frame of pushed[k] ?? []) expect(byFrame.get(frame.frameId)?.[0]?.fields.processor_id).toBe(id);
    });
    for (const id of ids) expect(await waitForDrainedQueue(rt.client, id)).toEqual({ length: 0, pending: 0 });
    for (const service of services) {
      const health = await service.waitForHealth((a) => a.body.frames_processed === 6, 30_000, 'frames_processed = 6');
      expect(health.body).toEqual(expect.objectContaining({ frames_processed: 6, registered: true, errors_total: 0 }));
    }

    const exits = await Promise.all(services.map((s) => s.terminate()));
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    for (const id of ids) expect(fake.registration(id)).toBeUndefined();
  });
});
