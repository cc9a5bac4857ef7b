import { request } from 'node:http';
import { BackgroundProbe } from '../../../src/infrastructure/http/health/background-probe';
import { healthReport, isReady } from '../../../src/infrastructure/http/health/health-routes';
import { HttpServer, type HttpServerOptions } from '../../../src/infrastructure/http/http-server';
import type { ProcessorStatus } from '../../../src/infrastructure/http/health/processor-status';
import { PrometheusMetrics } from '../../../src/infrastructure/telemetry/prometheus-metrics';

const baseStatus: ProcessorStatus = {
  processorId: 'face-recognition-1',
  version: '0.1.0',
  orchestratorConfigured: true,
  registered: true,
  consuming: true,
  modelsLoaded: true,
  models: { detector: 'ultraface', landmarks: 'pfld68', embedder: 'arcface' },
  capacity: 8,
  inflight: 2,
  framesProcessed: 120,
  errorsTotal: 3,
};

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A plain HTTP request (no keep-alive), so nothing outlives a test. */
function get(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`never happened: ${what}`);
}

describe('HttpServer over HTTP', () => {
  let status: ProcessorStatus;
  let servers: HttpServer[];
  const metrics = new PrometheusMetrics({ gpu: false });

  beforeEach(() => {
    status = { ...baseStatus };
    servers = [];
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function serve(options: Partial<HttpServerOptions> = {}): Promise<{ server: HttpServer; port: number }> {
    const server = new HttpServer({ host: '127.0.0.1', port: 0, status: { status: () => status }, registry: metrics, ...options });
    servers.push(server);
    const { port } = await server.start();
    return { server, port };
  }

  it('reports health from the status source', async () => {
    const now = 1_000_000;
    const { port, server } = await serve({ startedAt: now - 90_500, now: () => now });
    const answer = await get(port, '/health');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toContain('application/json');
    expect(JSON.parse(answer.body)).toEqual({
      status: 'healthy',
      processor_id: 'face-recognition-1',
      registered: true,
      redis: 'not_configured',
      orchestrator: 'registered',
      models: { loaded: true, names: { detector: 'ultraface', landmarks: 'pfld68', embedder: 'arcface' } },
      capacity: 8,
      inflight: 2,
      frames_processed: 120,
      errors_total: 3,
      uptime_seconds: 90.5,
      version: '0.1.0',
    });
    expect(server.port).toBe(port);
  });

  it('is unhealthy while Redis is unreachable, and healthy again once it answers', async () => {
    let redisUp = false;
    const { port, server } = await serve({
      redisPing: async () => {
        if (!redisUp) throw new Error('ECONNREFUSED');
        return 'PONG';
      },
      redisPingIntervalMs: 20,
    });
    await until(() => server.redisState === 'unreachable', 'redis unreachable');
    const down = await get(port, '/health');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ status: 'unhealthy', failing: ['redis'], redis: 'unreachable' });
    redisUp = true;
    await until(() => server.redisState === 'ok', 'redis ok');
    const up = await get(port, '/health');
    expect(up.status).toBe(200);
    expect(JSON.parse(up.body)).toMatchObject({ status: 'healthy', redis: 'ok' });
    expect(JSON.parse(up.body).failing).toBeUndefined();
  });

  it('answers without waiting for a Redis ping that hangs', async () => {
    const { port } = await serve({ redisPing: () => new Promise(() => undefined), redisPingTimeoutMs: 60_000 });
    const answer = await get(port, '/health');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).redis).toBe('unknown');
  });

  it('is unhealthy when the models are not loaded, naming every failing part', async () => {
    status = { ...status, modelsLoaded: false, models: {} };
    const { port, server } = await serve({ redisPing: async () => false, redisPingIntervalMs: 20 });
    await until(() => server.redisState === 'unreachable', 'redis unreachable');
    const answer = await get(port, '/health');
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'unhealthy', failing: ['redis', 'models'], models: { loaded: false, names: {} } });
  });

  it('is unhealthy when the status source fails', async () => {
    const { port } = await serve({
      status: {
        status: () => {
          throw new Error('not wired');
        },
      },
    });
    const answer = await get(port, '/health');
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ status: 'unhealthy', failing: ['status'] });
  });

  it.each<[string, Partial<ProcessorStatus>, number]>([
    ['registered and consuming', {}, 200],
    ['no orchestrator configured', { orchestratorConfigured: false, registered: false }, 200],
    ['not registered yet', { registered: false }, 503],
    ['not consuming (starting or draining)', { consuming: false }, 503],
  ])('ready: %s → %i', async (_name, change, code) => {
    status = { ...status, ...change };
    const { port } = await serve();
    const answer = await get(port, '/ready');
    expect(answer.status).toBe(code);
    expect(JSON.parse(answer.body).ready).toBe(code === 200);
  });

  it('serves the metrics registry in the Prometheus text format', async () => {
    metrics.frameFinished('published', 0.02);
    const { port } = await serve();
    const answer = await get(port, '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe(metrics.contentType);
    expect(answer.body).toContain('face_recognition_requests_total{status="published"} 1');
    expect(answer.body).toContain('process_resident_memory_bytes');
    expect((await get(port, '/metrics?x=1')).status).toBe(200);
  });

  it('answers HEAD, 404 for unknown paths and 405 for other methods, in the API error shape', async () => {
    const { port } = await serve();
    expect((await get(port, '/health', 'HEAD')).status).toBe(200);
    const missing = await get(port, '/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: { code: 'not_found', message: 'no route GET /nope', details: { path: '/nope' } } });
    const post = await get(port, '/health', 'POST');
    expect(post.status).toBe(405);
    expect(JSON.parse(post.body).error).toMatchObject({ code: 'method_not_allowed', details: { allowed: ['GET', 'HEAD'] } });
  });

  it('answers 500 when the registry fails', async () => {
    const { port } = await serve({ registry: { contentType: 'text/plain', metrics: async () => Promise.reject(new Error('boom')) } });
    expect((await get(port, '/metrics')).status).toBe(500);
  });

  it('refuses to start on a port in use, and stops twice without error', async () => {
    const { port, server } = await serve();
    const second = new HttpServer({ host: '127.0.0.1', port, status: { status: () => status }, registry: metrics });
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
    await server.stop();
    await server.stop();
    await second.stop();
  });
});

describe('healthReport and isReady', () => {
  it('reports an unregistered processor as healthy but not ready', () => {
    const report = healthReport({ ...baseStatus, registered: false }, 'ok', 1.23456);
    expect(report).toMatchObject({ status: 'healthy', orchestrator: 'unregistered', registered: false, uptime_seconds: 1.235 });
    expect(isReady({ ...baseStatus, registered: false })).toBe(false);
  });

  it('does not count an unknown Redis state as failing', () => {
    expect(healthReport(baseStatus, 'unknown', 0).status).toBe('healthy');
  });
});

describe('BackgroundProbe', () => {
  it('keeps the last result, skips overlapping checks and reports changes', async () => {
    const changes: string[] = [];
    let release: (() => void) | undefined;
    let calls = 0;
    const probe = new BackgroundProbe(
      () => {
        calls += 1;
        return new Promise<void>((resolve) => (release = resolve));
      },
      { timeoutMs: 60_000, onChange: (state) => changes.push(state) },
    );
    expect(probe.state).toBe('unknown');
    const first = probe.probe();
    await expect(probe.probe()).resolves.toBe('unknown');
    expect(calls).toBe(1);
    release?.();
    await expect(first).resolves.toBe('ok');
    expect(changes).toEqual(['ok']);
  });

  it('fails a check that times out', async () => {
    const probe = new BackgroundProbe(() => new Promise(() => undefined), { timeoutMs: 10 });
    await expect(probe.probe()).resolves.toBe('unreachable');
  });

  it('fails a check that throws synchronously', async () => {
    const probe = new BackgroundProbe(() => {
      throw new Error('no client');
    });
    await expect(probe.probe()).resolves.toBe('unreachable');
  });
});
