import {
  DEAD_LETTER_STREAM,
  pushFrames,
  queueState,
  readStream,
  runTag,
  tallyResults,
  waitForDrainedQueue,
  waitForResults,
} from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import { useRuntimeRedis, waitForResultsWithFramesInFlight } from '../../support/runtime-redis';
import { ServiceProcess, waitFor } from '../../support/service-process';

/**
 * Acceptance: Redis is killed and restarted (append-only file, so the
 * streams survive) while the service has frames in flight and a backlog. The
 * service does not crash, /health reports Redis ok again, and every frame
 * gets exactly one result. And a SIGTERM during an outage still ends the
 * process within the shutdown timeout.
 */

jest.setTimeout(300_000);

const FRAMES = 50;

describe('service runtime: Redis restart during a run', () => {
  const rt = useRuntimeRedis({ server: { appendonly: true }, producer: true });

  it('survives a Redis restart mid-run and publishes exactly one result per frame', async () => {
    const processorId = `redisrestart-${runTag()}`;
    const service = await ServiceProcess.start({ REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, CLAIM_IDLE_MS: '3000', CLAIM_INTERVAL_MS: '1000' });
    await service.waitUntilConsuming();
    await service.waitForHealth((a) => a.status === 200 && a.body.redis === 'ok', 30_000, 'redis ok on /health');

    const prefix = `${processorId}-f`;
    const ids = Array.from({ length: FRAMES }, (_, i) => `${prefix}-${i}`);
    // The producer holds off while Redis is down (the test is about the service, not about the producer's retries).
    let resume: (() => void) | null = null;
    let paused: Promise<void> | null = null;
    const pushing = pushFrames(rt.producer, processorId, loadPortraits(20), {
      prefix,
      count: FRAMES,
      ratePerSecond: 8,
      onPushed: () => paused ?? undefined,
    });

    await waitForResultsWithFramesInFlight(rt.client, processorId, ids, 10, service);
    paused = new Promise<void>((done) => (resume = done));
    await rt.redis.restart({ signal: 'SIGKILL', downMs: 1500 });
    (resume as (() => void) | null)?.();
    paused = null;

    await service.waitForLog('redis connection restored', 60_000);
    expect((await pushing).length).toBe(FRAMES);
    const tally = await waitForResults(rt.client, ids, 180_000, () => service.tail());
    expect(tally).toEqual({ missing: [], duplicated: {}, once: FRAMES });
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });
    expect(await readStream(rt.client, DEAD_LETTER_STREAM)).toEqual([]);

    // Still the same process, healthy again.
    expect(service.alive).toBe(true);
    expect(service.logsMatching('redis connection error').length).toBeGreaterThan(0);
    const health = await service.waitForHealth((a) => a.status === 200 && a.body.redis === 'ok', 60_000, 'redis ok on /health after the restart');
    expect(health.body).toEqual(expect.objectContaining({ status: 'healthy', redis: 'ok' }));
    expect(await service.ready()).toEqual({ status: 200, body: expect.objectContaining({ ready: true, consuming: true }) });
    expect(service.logsMatching((l) => l.level >= 50)).toEqual([]);
    await new Promise((done) => setTimeout(done, 1500));
    expect(await tallyResults(rt.client, ids)).toEqual({ missing: [], duplicated: {}, once: FRAMES });
    expect(await service.terminate()).toEqual({ code: 0, signal: null });
  });
  it('SIGTERM while Redis is down: exits 0 within SHUTDOWN_TIMEOUT_S instead of waiting for Redis; a later run completes every frame once', async () => {
    const processorId = `outage-stop-${runTag()}`;
    const shutdownTimeoutS = 3;
    const env = { REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, SHUTDOWN_TIMEOUT_S: String(shutdownTimeoutS), CLAIM_IDLE_MS: '2000', CLAIM_INTERVAL_MS: '500' };
    const first = await ServiceProcess.start(env, { label: 'first' });
    await first.waitUntilConsuming();
    // Fewer frames than CAPACITY: some in flight, and the read loop blocked in XREADGROUP for more.
    const prefix = `${processorId}-f`;
    const frames = await pushFrames(rt.producer, processorId, loadPortraits(6), { prefix, count: 6 });
    const ids = frames.map((f) => f.frameId);
    await waitFor(async () => (await queueState(rt.client, processorId)).pending > 0, {
      timeoutMs: 120_000,
      intervalMs: 10,
      what: () => `frames in flight\n${first.tail()}`,
    });

    // Redis goes away (its append-only file keeps the queue), then the service is told to stop.
    await rt.redis.kill();
    await first.waitForLog('redis connection error', 30_000);
    first.signal('SIGTERM');
    // Generous: the drain timeout plus closing (each connection gets 2 s to quit) on a noisy machine.
    const exit = await first.waitForExit((shutdownTimeoutS + 30) * 1000);
    expect({ exit, tail: exit ? '' : first.tail() }).toEqual({ exit: { code: 0, signal: null }, tail: '' });
    expect(first.logsMatching('stopped')).toHaveLength(1);

    // Redis back, a new instance: whatever the first one left pending or unread is processed, once.
    await rt.redis.start();
    const second = await ServiceProcess.start(env, { label: 'second' });
    await second.waitUntilConsuming();
    const tally = await waitForResults(rt.client, ids, 180_000, () => second.tail());
    expect(tally).toEqual({ missing: [], duplicated: {}, once: ids.length });
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });
    expect(await readStream(rt.client, DEAD_LETTER_STREAM)).toEqual([]);
    expect(await second.terminate()).toEqual({ code: 0, signal: null });
  });
});
