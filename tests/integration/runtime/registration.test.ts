import { CONFIG_SCHEMA } from '../../../src/infrastructure/config/config';
import { FakeOrchestrator, type RecordedRequest } from '../../support/fake-orchestrator';
import { pushFrames, queueStream, runTag, waitForDrainedQueue } from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import { useRuntimeRedis, waitForFrameResults } from '../../support/runtime-redis';
import { ServiceProcess, waitFor } from '../../support/service-process';

/**
 * Acceptance: the service registers with frame-buffer-v2 (the FakeOrchestrator
 * double), updates an existing registration (409 → PUT), heartbeats,
 * registers again when forgotten, consumes while the orchestrator is down and
 * registers once it is back, reports registration on /ready, and unregisters
 * and exits 0 on SIGTERM.
 */

jest.setTimeout(240_000);

const PREFIX = '/api/v1/processors';
const CAPABILITIES = ['face_detection', 'face_recognition'];

const paths = (requests: readonly RecordedRequest[]): string[] => requests.map((r) => `${r.method} ${r.path}`);

describe('service runtime: orchestrator registration', () => {
  const rt = useRuntimeRedis({ stopServicesAfterEach: true });
  const orchestrators: FakeOrchestrator[] = [];

  afterAll(async () => {
    await Promise.all(orchestrators.map((o) => o.close()));
  });

  it('registers (409 → PUT over an existing registration), heartbeats, re-registers when forgotten, unregisters on SIGTERM and exits 0', async () => {
    const fake = await FakeOrchestrator.start();
    orchestrators.push(fake);
    const processorId = `reg-${runTag()}`;
    const queue = queueStream(processorId);

    // A registration left over from a previous run of the same processor.
    const stale = await fetch(`${fake.url}${PREFIX}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: processorId, capabilities: ['face_detection'], capacity: 1, queue }),
    });
    expect(stale.status).toBe(201);
    fake.clearRequests();

    const service = await ServiceProcess.start({ REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, ORCHESTRATOR_URL: fake.url, CAPACITY: '6', HEARTBEAT_INTERVAL_S: '0.5' });
    const registered = await service.waitForLog('registered with the orchestrator', 90_000);
    expect(registered).toEqual(expect.objectContaining({ processorId, outcome: 'updated' }));

    // POST answered 409 (the id exists), then PUT with the full registration.
    const [post, put] = fake.requests;
    expect(paths(fake.requests.slice(0, 2))).toEqual([`POST ${PREFIX}/register`, `PUT ${PREFIX}/${processorId}`]);
    for (const request of [post, put]) {
      expect(request?.body).toEqual(
        expect.objectContaining({ id: processorId, capabilities: CAPABILITIES, capacity: 6, queue, health_endpoint: expect.stringMatching(new RegExp(`:${service.httpPort}/health$`)) }),
      );
    }
    expect(fake.registration(processorId)).toEqual(expect.objectContaining({ id: processorId, capabilities: CAPABILITIES, capacity: 6, queue }));
    expect(await service.ready()).toEqual({ status: 200, body: expect.objectContaining({ ready: true, registered: true }) });
    expect((await service.health()).body).toEqual(expect.objectContaining({ registered: true, orchestrator: 'registered' }));

    // Heartbeats arrive and are accepted.
    await waitFor(() => fake.requestsTo('POST', `${PREFIX}/heartbeat`).length >= 3, { timeoutMs: 30_000, what: 'three heartbeats' });
    for (const beat of fake.requestsTo('POST', `${PREFIX}/heartbeat`)) {
      expect(beat.body).toEqual({ processor_id: processorId, status: 'active', timestamp: expect.any(String) });
    }
    expect(fake.registration(processorId)?.last_heartbeat).toEqual(expect.objectContaining({ status: 'active' }));

    // The orchestrator loses the registration: the next heartbeat gets 404 and the service registers again.
    const before = fake.requests.length;
    fake.forget(processorId);
    await service.waitForLog('the orchestrator forgot this processor; registering again', 30_000);
    await waitFor(() => fake.registration(processorId), { timeoutMs: 30_000, what: 'the registration to come back' });
    const after = fake.requests.slice(before);
    const firstBeat = after.findIndex((r) => r.path === `${PREFIX}/heartbeat`);
    const reRegister = after.findIndex((r) => r.method === 'POST' && r.path === `${PREFIX}/register`);
    expect(firstBeat).toBeGreaterThanOrEqual(0);
    expect(reRegister).toBeGreaterThan(firstBeat);
    expect(after[reRegister]?.body).toEqual(expect.objectContaining({ id: processorId, capabilities: CAPABILITIES, capacity: 6, queue }));
    await service.waitForLog((l) => l.msg === 'registered with the orchestrator' && l.outcome === 'registered', 30_000);
    // ...and heartbeats are accepted again.
    const beatsBefore = fake.requestsTo('POST', `${PREFIX}/heartbeat`).length;
    await waitFor(() => fake.requestsTo('POST', `${PREFIX}/heartbeat`).length >= beatsBefore + 2 && fake.registration(processorId)?.last_heartbeat, {
      timeoutMs: 30_000,
      what: 'heartbeats after re-registration',
    });
    await service.waitForHealth((a) => a.status === 200 && a.body.registered === true, 30_000, 'registered on /health');

    // SIGTERM: unregister (DELETE), then exit 0.
    const exit = await service.terminate(60_000);
    expect(exit).toEqual({ code: 0, signal: null });
    const deleted = paths(fake.requests).lastIndexOf(`DELETE ${PREFIX}/${processorId}`);
    expect(deleted).toBeGreaterThan(0);
    // Nothing registers again after the DELETE (a heartbeat already in flight may still land).
    expect(paths(fake.requests.slice(deleted + 1)).filter((p) => !p.endsWith('/heartbeat'))).toEqual([]);
    expect(fake.registration(processorId)).toBeUndefined();
    expect(service.logsMatching('unregistered from the orchestrator')).toHaveLength(1);
    expect(service.logsMatching((l) => l.level >= 50)).toEqual([]);
  });

  it('consumes queued frames while the orchestrator is down, is not ready until registered, and registers once it is up', async () => {
    const fake = await FakeOrchestrator.start();
    orchestrators.push(fake);
    await fake.stop(); // down, its port kept
    const processorId = `down-${runTag()}`;

    // Frames already waiting before the service starts.
    const frames = await pushFrames(rt.client, processorId, loadPortraits(6), { prefix: `${processorId}-f`, count: 6 });
    const service = await ServiceProcess.start({ REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, ORCHESTRATOR_URL: fake.url });
    await service.waitUntilConsuming();

    const tally = await waitForFrameResults(rt.client, frames, service);
    expect(tally).toEqual({ missing: [], duplicated: {}, once: frames.length });
    await waitForDrainedQueue(rt.client, processorId);
    await service.waitForLog('registration failed; retrying', 30_000);

    // Not registered: alive and healthy, but not ready.
    expect(await service.ready()).toEqual({ status: 503, body: expect.objectContaining({ ready: false, registered: false, consuming: true }) });
    expect(await service.health()).toEqual({ status: 200, body: expect.objectContaining({ status: 'healthy', registered: false, orchestrator: 'unregistered' }) });
    expect(fake.requests).toEqual([]);

    // The orchestrator comes up: the service registers (backoff is capped at 30 s) and becomes ready.
    await fake.start();
    await waitFor(() => fake.registration(processorId), { timeoutMs: 90_000, what: 'registration after the orchestrator came up' });
    expect(fake.registration(processorId)).toEqual(expect.objectContaining({ capabilities: CAPABILITIES, queue: queueStream(processorId), capacity: CONFIG_SCHEMA.CAPACITY.defaultValue }));
    await waitFor(async () => (await service.ready()).status === 200, { timeoutMs: 30_000, what: '/ready 200' });
    expect((await service.ready()).body).toEqual(expect.objectContaining({ ready: true, registered: true }));

    expect(await service.terminate(60_000)).toEqual({ code: 0, signal: null });
    expect(fake.registration(processorId)).toBeUndefined();
  });
});
