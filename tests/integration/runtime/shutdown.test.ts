import { useFakeOrchestrator } from '../../support/fake-orchestrator';
import { pushFrame, pushFrames, queueState, runTag, tallyResults } from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import { findFreePort } from '../../support/redis-server';
import { useRuntimeRedis, waitForFrameResults } from '../../support/runtime-redis';
import { ServiceProcess, sleep, waitFor } from '../../support/service-process';

/**
 * Acceptance: how long a SIGTERM takes depends on the work in flight, not on
 * SHUTDOWN_TIMEOUT_S. With Redis unreachable and no frame in flight the
 * service exits at once (drained, unregistered, exit 0) instead of waiting
 * for its blocked reader; a frame really in flight is waited for and
 * published before the exit; a signal during start-up ends the process too.
 * (The timeout itself, frames in flight when it runs out, is covered by
 * crash-recovery.test.ts and redis-restart.test.ts.)
 */

jest.setTimeout(300_000);

const PREFIX = '/api/v1/processors';
/** Far above what any of these shutdowns needs: a wait on the timeout would show. */
const SHUTDOWN_TIMEOUT_S = 60;

describe('service runtime: shutdown time follows the work in flight', () => {
  const rt = useRuntimeRedis({ stopServicesAfterEach: true });
  const orchestrator = useFakeOrchestrator();

  it('Redis unreachable, nothing in flight: SIGTERM unregisters and exits 0 at once, not after SHUTDOWN_TIMEOUT_S', async () => {
    const processorId = `idle-outage-${runTag()}`;
    const service = await ServiceProcess.start({ REDIS_URL: rt.redis.url, ORCHESTRATOR_URL: orchestrator.fake.url, PROCESSOR_ID: processorId, SHUTDOWN_TIMEOUT_S: String(SHUTDOWN_TIMEOUT_S) });
    await service.waitForLog('registered with the orchestrator', 90_000);
    // A few frames first: the reader has been through a full cycle and is blocked waiting for more.
    const frames = await pushFrames(rt.client, processorId, loadPortraits(3), { prefix: `${processorId}-f`, count: 3 });
    expect(await waitForFrameResults(rt.client, frames, service)).toEqual({ missing: [], duplicated: {}, once: frames.length });
    await service.waitForHealth((a) => a.body.inflight === 0, 30_000, 'nothing in flight');

    await rt.redis.kill();
    try {
      await service.waitForLog('redis connection error', 30_000);
      const signalled = Date.now();
      service.signal('SIGTERM');
      // Half the timeout: an exit that waited for it cannot pass.
      const exit = await service.waitForExit((SHUTDOWN_TIMEOUT_S / 2) * 1000);
      const seconds = (Date.now() - signalled) / 1000;
      expect({ exit, tail: exit?.code === 0 ? '' : `${seconds} s\n${service.tail()}` }).toEqual({ exit: { code: 0, signal: null }, tail: '' });
      expect(service.logsMatching('stopped')).toEqual([expect.objectContaining({ drained: true })]);
      expect(service.logsMatching((l) => l.msg.startsWith('shutdown timeout'))).toEqual([]);
      expect(orchestrator.fake.requestsTo('DELETE', `${PREFIX}/${processorId}`)).toHaveLength(1);
    } finally {
      await rt.redis.start();
    }
  });

  it('a frame in flight (its publication held by CLIENT PAUSE WRITE) is waited for and published before the exit', async () => {
    const processorId = `inflight-${runTag()}`;
    const service = await ServiceProcess.start({ REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, SHUTDOWN_TIMEOUT_S: String(SHUTDOWN_TIMEOUT_S) });
    await service.waitUntilConsuming();
    const portraits = loadPortraits(10);

    // Queue one frame, and pause Redis writes once the service has read it: it is then in flight
    // (read, not acknowledged, no result) until the pause ends. A frame that was faster than the
    // pause is done already; the next one is tried.
    let held: string | null = null;
    for (let attempt = 0; attempt < portraits.length && held === null; attempt += 1) {
      const frameId = `${processorId}-f${attempt}`;
      await pushFrame(rt.client, processorId, { frameId, image: portraits[attempt] as Buffer });
      await waitFor(async () => (await queueState(rt.client, processorId)).pending > 0 || (await tallyResults(rt.client, [frameId])).once > 0, {
        timeoutMs: 60_000,
        intervalMs: 5,
        what: () => `frame ${frameId} read\n${service.tail()}`,
      });
      await rt.client.call('CLIENT', 'PAUSE', '120000', 'WRITE');
      const inFlight = (await queueState(rt.client, processorId)).pending === 1 && (await tallyResults(rt.client, [frameId])).once === 0;
      if (inFlight) held = frameId;
      else await rt.client.call('CLIENT', 'UNPAUSE');
    }
    expect(held).not.toBeNull();
    const frameId = held as string;

    try {
      service.signal('SIGTERM');
      await service.waitForLog('shutting down', 30_000);
      // Its result cannot be written while writes are paused: the service must still be waiting.
      await sleep(2000);
      expect({ alive: service.alive, exit: service.exit }).toEqual({ alive: true, exit: null });
    } finally {
      await rt.client.call('CLIENT', 'UNPAUSE');
    }

    const exit = await service.waitForExit(SHUTDOWN_TIMEOUT_S * 1000);
    expect({ exit, tail: exit?.code === 0 ? '' : service.tail() }).toEqual({ exit: { code: 0, signal: null }, tail: '' });
    expect(service.logsMatching('stopped')).toEqual([expect.objectContaining({ drained: true })]);
    expect(await tallyResults(rt.client, [frameId])).toEqual({ missing: [], duplicated: {}, once: 1 });
    expect(await queueState(rt.client, processorId)).toEqual({ length: 0, pending: 0 });
  });

  it('a signal during start-up (Redis unreachable, so the consumer group cannot be created) ends the process with exit 0', async () => {
    const closedPort = await findFreePort();
    const service = await ServiceProcess.start({ REDIS_URL: `redis://127.0.0.1:${closedPort}`, PROCESSOR_ID: `startup-${runTag()}`, SHUTDOWN_TIMEOUT_S: String(SHUTDOWN_TIMEOUT_S) });
    await service.waitForLog('http server listening', 90_000);
    expect(service.logsMatching('consuming frames')).toEqual([]);

    service.signal('SIGTERM');
    const exit = await service.waitForExit((SHUTDOWN_TIMEOUT_S / 2) * 1000);
    expect({ exit, tail: exit?.code === 0 ? '' : service.tail() }).toEqual({ exit: { code: 0, signal: null }, tail: '' });
    expect(service.logsMatching('signal during start-up; exiting')).toEqual([expect.objectContaining({ signal: 'SIGTERM' })]);
  });
});
