import type { ProcessorRegistration } from '../../../src/application/ports/orchestrator';
import { DependencyUnavailable } from '../../../src/domain/errors';
import { HttpOrchestrator } from '../../../src/infrastructure/http/orchestrator/http-orchestrator';
import { InvalidRegistrationError, OrchestratorRejected } from '../../../src/infrastructure/http/orchestrator/orchestrator-errors';
import { FakeOrchestrator } from '../../support/fake-orchestrator';

const registration = (overrides: Partial<ProcessorRegistration> = {}): ProcessorRegistration => ({
  id: 'face-recognition-1',
  capabilities: ['face_detection', 'face_recognition'],
  capacity: 8,
  queue: 'frames:ready:face-recognition-1',
  healthEndpoint: 'http://face-recognition:8003/health',
  metadata: { version: '0.1.0' },
  ...overrides,
});

describe('HttpOrchestrator against the fake frame-buffer-v2', () => {
  let fake: FakeOrchestrator;
  let orchestrator: HttpOrchestrator;

  beforeEach(async () => {
    fake = await FakeOrchestrator.start();
    orchestrator = new HttpOrchestrator(fake.url, { timeoutMs: 2000 });
  });

  afterEach(async () => {
    await orchestrator.close();
    await fake.close();
  });

  it('registers with a snake_case body (201 → registered)', async () => {
    await expect(orchestrator.register(registration())).resolves.toBe('registered');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/processors/register',
      body: {
        id: 'face-recognition-1',
        capabilities: ['face_detection', 'face_recognition'],
        capacity: 8,
        queue: 'frames:ready:face-recognition-1',
        health_endpoint: 'http://face-recognition:8003/health',
        metadata: { version: '0.1.0' },
      },
    });
    expect(fake.requests[0]?.headers['content-type']).toBe('application/json');
    expect(fake.registration('face-recognition-1')?.capacity).toBe(8);
  });

  it('re-registering an existing id gets 409 and updates with PUT (→ updated)', async () => {
    await orchestrator.register(registration());
    fake.clearRequests();
    await expect(orchestrator.register(registration({ capacity: 16 }))).resolves.toBe('updated');
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/processors/register',
      'PUT /api/v1/processors/face-recognition-1',
    ]);
    expect(fake.requests[1]?.body).toMatchObject({ id: 'face-recognition-1', capacity: 16, queue: 'frames:ready:face-recognition-1' });
    expect(fake.registration('face-recognition-1')?.capacity).toBe(16);
  });

  it('heartbeats with processor_id, status and an ISO timestamp', async () => {
    await orchestrator.register(registration());
    await expect(orchestrator.heartbeat('face-recognition-1', 'healthy')).resolves.toBe('ok');
    const beat = fake.requestsTo('POST', '/api/v1/processors/heartbeat')[0]?.body as Record<string, string>;
    expect(beat).toMatchObject({ processor_id: 'face-recognition-1', status: 'healthy' });
    expect(new Date(beat.timestamp ?? '').toISOString()).toBe(beat.timestamp);
    expect(fake.registration('face-recognition-1')?.last_heartbeat?.status).toBe('healthy');
  });

  it("reports 'unknown_processor' once the orchestrator forgot us, and registering again works", async () => {
    await orchestrator.register(registration());
    fake.forget('face-recognition-1');
    await expect(orchestrator.heartbeat('face-recognition-1', 'healthy')).resolves.toBe('unknown_processor');
    await expect(orchestrator.register(registration())).resolves.toBe('registered');
    await expect(orchestrator.heartbeat('face-recognition-1', 'healthy')).resolves.toBe('ok');
  });

  it('unregisters (204) and treats an unknown id (404) as done', async () => {
    await orchestrator.register(registration());
    await expect(orchestrator.unregister('face-recognition-1')).resolves.toBeUndefined();
    expect(fake.registrations().size).toBe(0);
    await expect(orchestrator.unregister('face-recognition-1')).resolves.toBeUndefined();
    expect(fake.requestsTo('DELETE', '/api/v1/processors/face-recognition-1')).toHaveLength(2);
  });

  it.each<[string, Partial<ProcessorRegistration>]>([
    ['empty capabilities', { capabilities: [] }],
    ['blank capability', { capabilities: [' '] }],
    ['capacity 0', { capacity: 0 }],
    ['fractional capacity', { capacity: 1.5 }],
    ['wrong queue', { queue: 'frames:ready:someone-else' }],
    ['empty queue', { queue: '' }],
    ['bad id', { id: 'has space', queue: 'frames:ready:has space' }],
    ['bad health endpoint', { healthEndpoint: 'not a url' }],
  ])('refuses an invalid registration (%s) without sending it', async (_name, overrides) => {
    await expect(orchestrator.register(registration(overrides))).rejects.toBeInstanceOf(InvalidRegistrationError);
    expect(fake.requests).toHaveLength(0);
  });

  it('isHealthy follows GET /health', async () => {
    await expect(orchestrator.isHealthy()).resolves.toBe(true);
    await fake.stop();
    await expect(orchestrator.isHealthy()).resolves.toBe(false);
    await fake.start();
    await expect(orchestrator.isHealthy()).resolves.toBe(true);
  });

  it('throws DependencyUnavailable (with a credential-free url) while the orchestrator is down, and works again once it is back', async () => {
    const withCredentials = new HttpOrchestrator(fake.url.replace('http://', 'http://user:s3cret@'), { timeoutMs: 2000 });
    try {
      await withCredentials.register(registration());
      expect(fake.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('user:s3cret').toString('base64')}`);
      await fake.stop();
      const error = await withCredentials.heartbeat('face-recognition-1', 'healthy').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyUnavailable);
      const context = (error as DependencyUnavailable).context;
      expect(context.url).toBe(`${fake.url}/api/v1/processors/heartbeat`);
      expect(context.status).toBeNull();
      expect(JSON.stringify(context)).not.toContain('s3cret');
      expect((error as Error).message).not.toContain('s3cret');
      await expect(withCredentials.register(registration())).rejects.toBeInstanceOf(DependencyUnavailable);
      await expect(withCredentials.unregister('face-recognition-1')).rejects.toBeInstanceOf(DependencyUnavailable);

      await fake.start();
      await expect(withCredentials.heartbeat('face-recognition-1', 'healthy')).resolves.toBe('ok');
    } finally {
      await withCredentials.close();
    }
  });

  it('maps 5xx to DependencyUnavailable with the status', async () => {
    fake.failNext(503);
    const error = await orchestrator.heartbeat('face-recognition-1', 'healthy').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailable);
    expect((error as DependencyUnavailable).context).toMatchObject({ status: 503, method: 'POST' });
  });

  it('maps an unexpected 4xx to OrchestratorRejected with the status and a body excerpt', async () => {
    fake.failNext(401);
    const error = await orchestrator.register(registration()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrchestratorRejected);
    expect((error as OrchestratorRejected).status).toBe(401);
    expect((error as OrchestratorRejected).bodyExcerpt).toContain('injected failure');
    expect((error as OrchestratorRejected).context).toMatchObject({ status: 401, method: 'POST' });
  });

  it('keeps working across many calls (sockets are reused, not leaked)', async () => {
    await orchestrator.register(registration());
    for (let i = 0; i < 50; i += 1) {
      await expect(orchestrator.heartbeat('face-recognition-1', 'healthy')).resolves.toBe('ok');
    }
    // Sequential calls go over the Agent's keep-alive connection(s), not one socket each.
    expect(fake.connections).toBeLessThanOrEqual(4);
  });
});

describe('FakeOrchestrator (the contract double itself)', () => {
  let fake: FakeOrchestrator;
  beforeEach(async () => {
    fake = await FakeOrchestrator.start();
  });
  afterEach(() => fake.close());

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers 500 to empty capabilities or capacity 0, like frame-buffer-v2', async () => {
    const base = { id: 'p', queue: 'frames:ready:p', capabilities: ['x'], capacity: 1 };
    expect((await post('/api/v1/processors/register', { ...base, capabilities: [] })).status).toBe(500);
    expect((await post('/api/v1/processors/register', { ...base, capacity: 0 })).status).toBe(500);
    expect((await post('/api/v1/processors/register', base)).status).toBe(201);
    expect((await post('/api/v1/processors/register', base)).status).toBe(409);
  });

  it('comes back on the same port after stop() with its registrations', async () => {
    const port = fake.port;
    await post('/api/v1/processors/register', { id: 'p', queue: 'frames:ready:p', capabilities: ['x'], capacity: 1 });
    await fake.stop();
    await expect(fetch(`${fake.url}/health`)).rejects.toThrow();
    await fake.start();
    expect(fake.port).toBe(port);
    expect((await fetch(`${fake.url}/health`)).status).toBe(200);
    expect(fake.registration('p')?.capacity).toBe(1);
  });
});
