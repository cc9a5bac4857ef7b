import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { NO_KEYS_MESSAGE } from '../../../src/infrastructure/http/api/auth/api-key-auth';
import { pushFrame, runTag, waitForResults } from '../../support/frames';
import { PORTRAIT_IDS, portraitPath, readPortrait } from '../../support/portraits';
import { startRedisServer, type RedisServer } from '../../support/redis-server';
import { ensureServiceBuilt, ServiceProcess, stopAllServices, type LogLine } from '../../support/service-process';

/**
 * The API of the real service process (`node dist/main.js`) over real HTTP:
 * the embedded try-out mode's generated key, and Redis mode with no key.
 */

jest.setTimeout(240_000);

const isGeneratedKeyLine = (line: LogLine): boolean => line.msg.startsWith('GENERATED API KEY');

/** Every line the process wrote (JSON or not), as text. */
const allOutput = (service: ServiceProcess): string[] => [...service.logs.map((line) => JSON.stringify(line)), ...service.otherOutput];

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

async function post(service: ServiceProcess, path: string, body: FormData | object, headers: Record<string, string>): Promise<Answer> {
  const isForm = body instanceof FormData;
  const response = await fetch(`http://127.0.0.1:${service.httpPort}${path}`, {
    method: 'POST',
    headers: isForm ? headers : { ...headers, 'content-type': 'application/json' },
    body: isForm ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const portraitForm = (id: string): FormData => {
  const form = new FormData();
  form.append('image', new Blob([readPortrait(id)], { type: 'image/jpeg' }), `${id}.jpg`);
  return form;
};

afterAll(async () => {
  await stopAllServices();
});

describe('embedded mode without API_KEYS', () => {
  let work: string;
  let service: ServiceProcess;

  beforeAll(async () => {
    await ensureServiceBuilt();
    work = mkdtempSync(join(tmpdir(), 'facerec-api-'));
    mkdirSync(join(work, 'input'));
    for (const id of PORTRAIT_IDS.slice(0, 2)) copyFileSync(portraitPath(id), join(work, 'input', `${id}.jpg`));
    service = await ServiceProcess.start({ INPUT_DIR: join(work, 'input'), OUTPUT_FILE: join(work, 'results.jsonl'), EXIT_WHEN_DONE: 'false' }, { label: 'embedded-api' });
    await service.waitForLog('consuming frames', 120_000);
  });

  afterAll(async () => {
    await service?.terminate();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('generates one key at start, logs it in exactly one line, and the key works', async () => {
    const lines = service.logsMatching(isGeneratedKeyLine);
    expect(lines).toHaveLength(1);
    const line = lines[0] as LogLine;
    expect(line).toMatchObject({ keyId: 'generated', apiKey: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    const secret = line.apiKey as string;

    const answer = await post(service, '/v1/faces/detect', portraitForm(PORTRAIT_IDS[0] as string), { 'x-api-key': secret, 'x-request-id': 'service-detect-1' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toBe('service-detect-1');
    const faces = answer.body.faces as Record<string, unknown>[];
    expect(faces).toHaveLength(1);
    expect(Object.keys(faces[0] as object).sort()).toEqual(['box', 'landmarks', 'quality', 'score']);

    const json = await post(service, '/v1/faces/detect', { image: readPortrait(PORTRAIT_IDS[1] as string).toString('base64') }, { 'x-api-key': secret });
    expect(json.status).toBe(200);
    expect(json.body.faces).toHaveLength(1);

    const logged = await service.waitForLog((l) => l.msg === 'api request' && l.requestId === 'service-detect-1');
    expect(logged).toMatchObject({ route: '/v1/faces/detect', status: 200, keyId: 'generated' });
    expect(allOutput(service).filter((text) => text.includes(secret))).toHaveLength(1);
  });

  it('refuses a request without the key, and keeps /health and /ready as they were', async () => {
    const refused = await post(service, '/v1/faces/detect', portraitForm(PORTRAIT_IDS[0] as string), {});
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'missing X-API-Key header' } } });
    const health = await service.health();
    expect(health.status).toBe(200);
    expect(Object.keys(health.body).sort()).toEqual(
      ['capacity', 'errors_total', 'frames_processed', 'inflight', 'models', 'orchestrator', 'processor_id', 'redis', 'registered', 'status', 'uptime_seconds', 'version'].sort(),
    );
    expect((await service.ready()).body).toEqual({ ready: true, registered: false, orchestrator: 'not_configured', consuming: true });
    const metrics = await fetch(`http://127.0.0.1:${service.httpPort}/metrics`);
    expect(await metrics.text()).toMatch(/http_requests_total\{route="\/v1\/faces\/detect",method="POST",status="200"\} [1-9]/);
  });
});

describe('Redis mode without API_KEYS', () => {
  const processorId = `api-closed-${runTag()}`;
  let redis: RedisServer;
  let client: Redis;
  let service: ServiceProcess;

  beforeAll(async () => {
    await ensureServiceBuilt();
    redis = await startRedisServer();
    client = new Redis(redis.url);
    service = await ServiceProcess.start({ REDIS_URL: redis.url, PROCESSOR_ID: processorId }, { label: 'redis-no-keys' });
    await service.waitUntilConsuming();
  });

  afterAll(async () => {
    await service?.terminate();
    client?.disconnect();
    await redis?.dispose();
  });

  it('processes frames, warns once at start, and answers every /v1 request 401 saying no key is configured', async () => {
    const frame = await pushFrame(client, processorId, { frameId: `closed-${runTag()}`, image: readPortrait(PORTRAIT_IDS[0] as string) });
    await waitForResults(client, [frame.frameId], 120_000, () => service.tail());

    const warnings = service.logsMatching((line) => /no API keys configured/.test(line.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.level).toBe(40);
    expect(service.logsMatching(isGeneratedKeyLine)).toEqual([]);

    for (const headers of [{}, { 'x-api-key': 'some-secret-that-is-long-enough' }] as Record<string, string>[]) {
      const answer = await post(service, '/v1/faces/detect', portraitForm(PORTRAIT_IDS[0] as string), headers);
      expect(answer).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: NO_KEYS_MESSAGE } } });
    }
    expect((await service.health()).status).toBe(200);
  });
});
