import {
  consumers,
  DEAD_LETTER_STREAM,
  pushFrames,
  queueState,
  readStream,
  runTag,
  tallyResults,
  waitForDrainedQueue,
  waitForResults,
  type PushedFrame,
} from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import { useRuntimeRedis, waitForResultsWithFramesInFlight } from '../../support/runtime-redis';
import { ServiceProcess } from '../../support/service-process';

/**
 * Acceptance: at-least-once consumption with exactly one result per frame
 * across a crash (SIGKILL mid-stream, then a restart under the same consumer
 * name) and across a graceful stop (SIGTERM drains the frames in flight, exits
 * 0, and a restart processes the rest).
 */

jest.setTimeout(300_000);

const FRAMES = 60;

describe('service runtime: crash and shutdown', () => {
  const rt = useRuntimeRedis({ producer: true, stopServicesAfterEach: true });
  let images: Buffer[];

  beforeAll(async () => {
    images = loadPortraits(24);
  });

  const frameIdsOf = (prefix: string): string[] => Array.from({ length: FRAMES }, (_, i) => `${prefix}-${i}`);

  it('SIGKILL mid-stream: after a restart every frame has exactly one result, nothing pending, no dead letters', async () => {
    const processorId = `crash-${runTag()}`;
    const env = { REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, CONSUMER_NAME: 'crash-consumer', CLAIM_IDLE_MS: '2000', CLAIM_INTERVAL_MS: '500' };
    const first = await ServiceProcess.start(env, { label: 'first' });
    await first.waitUntilConsuming();

    const prefix = `${processorId}-f`;
    const ids = frameIdsOf(prefix);
    const pushing: Promise<PushedFrame[]> = pushFrames(rt.producer, processorId, images, { prefix, count: FRAMES, ratePerSecond: 6 });

    // Kill once ~20 results are out and frames are in flight (read, not acknowledged).
    await waitForResultsWithFramesInFlight(rt.client, processorId, ids, 20, first);
    const killed = await first.kill();
    expect(killed.signal).toBe('SIGKILL');
    const atKill = await queueState(rt.client, processorId);
    const resultsAtKill = (await tallyResults(rt.client, ids)).once;
    // What the dead process held: read, never acknowledged.
    expect(atKill.pending).toBeGreaterThan(0);
    expect(resultsAtKill).toBeLessThan(FRAMES);

    // Restart under the same consumer name: its old pending entries come back only through XAUTOCLAIM.
    const second = await ServiceProcess.start(env, { label: 'second' });
    await second.waitUntilConsuming();
    expect((await pushing).length).toBe(FRAMES);

    const tally = await waitForResults(rt.client, ids, 180_000, () => second.tail());
    expect(tally).toEqual({ missing: [], duplicated: {}, once: FRAMES });
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });
    expect(await readStream(rt.client, DEAD_LETTER_STREAM)).toEqual([]);
    expect((await consumers(rt.client, processorId)).map((c) => c.pending)).toEqual([0]);
    const reclaimed = second.logsMatching('reclaimed frames idle on other consumers').reduce((n, line) => n + Number(line.count), 0);
    expect(reclaimed).toBeGreaterThanOrEqual(atKill.pending);
    // Settle: no late duplicate shows up.
    await new Promise((done) => setTimeout(done, 1500));
    expect(await tallyResults(rt.client, ids)).toEqual({ missing: [], duplicated: {}, once: FRAMES });
    expect(await second.terminate()).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM while frames are in flight: drains, exits 0 within SHUTDOWN_TIMEOUT_S, and a restart loses and duplicates nothing', async () => {
    const processorId = `drain-${runTag()}`;
    const shutdownTimeoutS = 20;
    const env = { REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, SHUTDOWN_TIMEOUT_S: String(shutdownTimeoutS), CLAIM_IDLE_MS: '2000', CLAIM_INTERVAL_MS: '500' };
    const first = await ServiceProcess.start(env, { label: 'first' });
    await first.waitUntilConsuming();

    const prefix = `${processorId}-f`;
    const ids = frameIdsOf(prefix);
    // A burst: the queue holds far more than the service has in flight.
    await pushFrames(rt.producer, processorId, images, { prefix, count: FRAMES });
    await waitForResultsWithFramesInFlight(rt.client, processorId, ids, 5, first);
    first.signal('SIGTERM');
    const exit = await first.waitForExit((shutdownTimeoutS + 30) * 1000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(first.logsMatching('shutting down')).toEqual([expect.objectContaining({ reason: 'SIGTERM' })]);
    expect(first.logsMatching('stopped')).toEqual([expect.objectContaining({ drained: true })]);

    // Drained: whatever the first process had read is published and acknowledged; the rest waits in the queue.
    const afterStop = await queueState(rt.client, processorId);
    expect(afterStop.pending).toBe(0);
    const tallyAtStop = await tallyResults(rt.client, ids);
    expect(tallyAtStop.duplicated).toEqual({});
    expect(tallyAtStop.once + afterStop.length).toBe(FRAMES);

    const second = await ServiceProcess.start(env, { label: 'second' });
    await second.waitUntilConsuming();
    const tally = await waitForResults(rt.client, ids, 180_000, () => second.tail());
    expect(tally).toEqual({ missing: [], duplicated: {}, once: FRAMES });
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });
    expect(await readStream(rt.client, DEAD_LETTER_STREAM)).toEqual([]);
    expect(await second.terminate()).toEqual({ code: 0, signal: null });
  });
  it('SIGTERM with frames still in flight when SHUTDOWN_TIMEOUT_S runs out: exits 0 anyway, and a restart completes every frame exactly once', async () => {
    const processorId = `timeout-${runTag()}`;
    const env = { REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, SHUTDOWN_TIMEOUT_S: '0', CLAIM_IDLE_MS: '2000', CLAIM_INTERVAL_MS: '500' };
    const first = await ServiceProcess.start(env, { label: 'first' });
    await first.waitUntilConsuming();

    const prefix = `${processorId}-f`;
    const ids = frameIdsOf(prefix);
    await pushFrames(rt.producer, processorId, images, { prefix, count: FRAMES });
    await waitForResultsWithFramesInFlight(rt.client, processorId, ids, 5, first);
    first.signal('SIGTERM');
    const exit = await first.waitForExit(60_000);
    expect({ exit, errors: first.logsMatching((l) => l.level >= 50), other: first.otherOutput }).toEqual({ exit: { code: 0, signal: null }, errors: [], other: [] });
    expect(first.logsMatching('stopped')).toHaveLength(1);

    const second = await ServiceProcess.start(env, { label: 'second' });
    await second.waitUntilConsuming();
    const tally = await waitForResults(rt.client, ids, 180_000, () => second.tail());
    expect(tally).toEqual({ missing: [], duplicated: {}, once: FRAMES });
    expect(await waitForDrainedQueue(rt.client, processorId)).toEqual({ length: 0, pending: 0 });
    expect(await readStream(rt.client, DEAD_LETTER_STREAM)).toEqual([]);
    expect(await second.terminate()).toEqual({ code: 0, signal: null });
  });
});
