import { validate as validateOpenApi } from '@readme/openapi-parser';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import sharp from 'sharp';
import { NO_KEYS_MESSAGE } from '../../../src/infrastructure/http/api/auth/api-key-auth';
import { API_ERROR_STATUS } from '../../../src/infrastructure/http/errors/api-error';
import { setupTracing, type Tracing } from '../../../src/infrastructure/telemetry/tracing';
import { bodyOf, expectError, multipart, OTHER_KEY, startTestApi, TEST_KEY, type TestApi, type TestApiOptions } from '../../support/api-server';
import { expectFaceJson } from '../../support/face-json';
import { noisePng, pngDeclaring } from '../../support/images';
import { startPipeline, type Pipeline } from '../../support/pipeline';
import { PORTRAIT_IDS, readPortrait } from '../../support/portraits';

/**
 * The /v1 API on the real fastify server and its real plugins, in process
 * (`inject`), over the real pipeline (models loaded once for the file).
 */

jest.setTimeout(120_000);

const DETECT = '/v1/faces/detect';
const portrait = readPortrait(PORTRAIT_IDS[0] as string);

interface DetectBody {
  readonly width: number;
  readonly height: number;
  readonly faces: readonly Record<string, unknown>[];
}

let pipeline: Pipeline;
const apis: TestApi[] = [];

beforeAll(async () => {
  pipeline = await startPipeline();
});
afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()));
  await pipeline?.release();
});

async function api(options: TestApiOptions = {}): Promise<TestApi> {
  const started = await startTestApi(pipeline.analyze, options);
  apis.push(started);
  return started;
}

const detectJson = (target: TestApi, image: string | object, headers: Record<string, string> = target.auth) =>
  target.inject({ method: 'POST', url: DETECT, headers, payload: typeof image === 'string' ? { image } : image });

describe('POST /v1/faces/detect', () => {
  let shared: TestApi;
  beforeAll(async () => {
    shared = await api();
  });

  it('finds the one face of a portrait sent as base64 JSON, in the stream\'s face format, without embedding', async () => {
    const answer = await detectJson(shared, portrait.toString('base64'));
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toContain('application/json');
    const body = bodyOf<DetectBody>(answer);
    expect({ width: body.width, height: body.height }).toEqual({ width: 250, height: 250 });
    expect(body.faces).toHaveLength(1);
    const face = body.faces[0] as Record<string, unknown>;
    expect(Object.keys(face).sort()).toEqual(['box', 'landmarks', 'quality', 'score']);
    expectFaceJson(face);
    expect(face.score).toBeGreaterThan(0.7);
    expect(Object.keys(face.quality as object).sort()).toEqual(['face_size', 'passed', 'reason', 'roll', 'sharpness', 'yaw']);
    expect(answer.body).not.toContain('embedding');
  });

  it('gives the same answer for the same photo uploaded as multipart/form-data', async () => {
    const json = bodyOf<DetectBody>(await detectJson(shared, portrait.toString('base64')));
    const form = await multipart({ image: { data: portrait, filename: 'portrait.jpg', type: 'image/jpeg' } });
    const answer = await shared.inject({ method: 'POST', url: DETECT, headers: { ...shared.auth, ...form.headers }, payload: form.payload });
    expect(answer.statusCode).toBe(200);
    expect(bodyOf<DetectBody>(answer)).toEqual(json);
  });

  it('takes a base64 image longer than the stock byte format can check (4.5 million characters)', async () => {
    const large = await noisePng(1100, 1100);
    const base64 = large.toString('base64');
    expect(base64.length).toBeGreaterThan(4_500_000);
    const answer = await detectJson(shared, base64);
    expect(answer.statusCode).toBe(200);
    expect(bodyOf<DetectBody>(answer)).toMatchObject({ width: 1100, height: 1100, faces: expect.any(Array) });
  });

  it.each<[string, unknown, string]>([
    ['no image', {}, "must have required property 'image'"],
    ['an image that is not a string', { image: 42 }, '/image'],
    ['an image that is not base64', { image: 'this is not base64!' }, '/image must match format "byte"'],
    ['base64 with line breaks', { image: 'QUJD\nREVG' }, '/image must match format "byte"'],
    ['an empty image', { image: '' }, '/image'],
  ])('answers 400 invalid_request for %s, naming the problem', async (_name, payload, expected) => {
    const error = expectError(await detectJson(shared, payload as object), 'invalid_request');
    expect(error.message).toContain(expected);
    expect(error.details?.problems).toEqual([expect.objectContaining({ in: 'body', path: expect.any(String), message: expect.any(String) })]);
  });

  it('answers 400 for malformed JSON and for multipart bodies without an image file', async () => {
    expectError(await shared.inject({ method: 'POST', url: DETECT, headers: { ...shared.auth, 'content-type': 'application/json' }, payload: '{"image": ' }), 'invalid_request');
    const textField = await multipart({ image: portrait.toString('base64') });
    const asText = expectError(await shared.inject({ method: 'POST', url: DETECT, headers: { ...shared.auth, ...textField.headers }, payload: textField.payload }), 'invalid_request');
    expect(asText.message).toContain('must be an uploaded file');
    const otherName = await multipart({ photo: { data: portrait, filename: 'p.jpg' } });
    expectError(await shared.inject({ method: 'POST', url: DETECT, headers: { ...shared.auth, ...otherName.headers }, payload: otherName.payload }), 'invalid_request');
  });

  it('answers 415 image_decode_error for bytes that are no image and for a Content-Type it does not take', async () => {
    const garbage = Buffer.from('definitely not an image, just some text bytes');
    const decode = expectError(await detectJson(shared, garbage.toString('base64')), 'image_decode_error');
    expect(decode.message).toMatch(/cannot decode image/);
    const form = await multipart({ image: { data: garbage, filename: 'x.jpg', type: 'image/jpeg' } });
    expectError(await shared.inject({ method: 'POST', url: DETECT, headers: { ...shared.auth, ...form.headers }, payload: form.payload }), 'image_decode_error');
    const text = expectError(
      await shared.inject({ method: 'POST', url: DETECT, headers: { ...shared.auth, 'content-type': 'text/plain' }, payload: portrait.toString('base64') }),
      'image_decode_error',
    );
    expect(text.message).toContain('Content-Type');
  });

  it('answers 422 invalid_image for an image too small to hold a face or with too many pixels', async () => {
    const tiny = await sharp(portrait).resize(8, 8).png().toBuffer();
    const small = expectError(await detectJson(shared, tiny.toString('base64')), 'invalid_image');
    expect(small.details).toMatchObject({ width: 8, height: 8 });
    const bomb = expectError(await detectJson(shared, pngDeclaring(20_000, 20_000).toString('base64')), 'invalid_image');
    expect(bomb.details).toMatchObject({ reason: 'too_many_pixels' });
  });
});

describe('authentication', () => {
  let shared: TestApi;
  beforeAll(async () => {
    shared = await api();
  });

  it('answers 401 unauthorized without X-API-Key, on every /v1 route', async () => {
    for (const request of [
      { method: 'POST' as const, url: DETECT, payload: { image: portrait.toString('base64') } },
      { method: 'GET' as const, url: '/v1/openapi.json' },
    ]) {
      const error = expectError(await shared.inject(request), 'unauthorized');
      expect(error.message).toBe('missing X-API-Key header');
    }
  });

  it('answers 401 for a wrong key, and accepts every configured key', async () => {
    expect(expectError(await detectJson(shared, portrait.toString('base64'), { 'x-api-key': `${TEST_KEY.secret}x` }), 'unauthorized').message).toBe('unknown API key');
    expect(expectError(await detectJson(shared, portrait.toString('base64'), { 'x-api-key': TEST_KEY.id }), 'unauthorized').message).toBe('unknown API key');
    expect((await detectJson(shared, portrait.toString('base64'), { 'x-api-key': OTHER_KEY.secret })).statusCode).toBe(200);
  });

  it('refuses everything, saying why, when no key is configured', async () => {
    const closed = await api({ keys: [] });
    for (const headers of [{}, { 'x-api-key': TEST_KEY.secret }] as Record<string, string>[]) {
      const error = expectError(await detectJson(closed, portrait.toString('base64'), headers), 'unauthorized');
      expect(error.message).toBe(NO_KEYS_MESSAGE);
      expect(error.message).toMatch(/API_KEYS or API_KEYS_FILE/);
    }
  });

  it('names the key id, never the secret, in logs', async () => {
    const logged = await api();
    await detectJson(logged, portrait.toString('base64'));
    await detectJson(logged, portrait.toString('base64'), { 'x-api-key': 'a-wrong-secret-0123456789' });
    const lines = logged.logs.filter((line) => line.msg === 'api request');
    expect(lines.map((line) => [line.status, line.keyId])).toEqual([
      [200, TEST_KEY.id],
      [401, null],
    ]);
    const everything = logged.rawLogs.join('');
    expect(everything).not.toContain(TEST_KEY.secret);
    expect(everything).not.toContain('a-wrong-secret');
  });

  it('leaves /health, /ready and /metrics open', async () => {
    for (const url of ['/health', '/ready', '/metrics']) expect((await shared.inject({ method: 'GET', url })).statusCode).toBe(200);
  });
});

describe('limits', () => {
  it('answers 413 payload_too_large for a JSON body or an uploaded file over the body limit', async () => {
    const limited = await api({ limits: { bodyLimitBytes: 4096 } });
    const json = expectError(await detectJson(limited, portrait.toString('base64')), 'payload_too_large');
    expect(json.details).toEqual({ limit_bytes: 4096 });
    const form = await multipart({ image: { data: portrait, filename: 'portrait.jpg', type: 'image/jpeg' } });
    expect(form.payload.length).toBeLessThan(4096 + 16 * 64 * 1024);
    expectError(await limited.inject({ method: 'POST', url: DETECT, headers: { ...limited.auth, ...form.headers }, payload: form.payload }), 'payload_too_large');
  });

  it('answers 413 for more files than API_MAX_IMAGES', async () => {
    const limited = await api({ limits: { maxImages: 1 } });
    const form = await multipart({ image: { data: portrait, filename: 'a.jpg' }, other: { data: portrait, filename: 'b.jpg' } });
    expectError(await limited.inject({ method: 'POST', url: DETECT, headers: { ...limited.auth, ...form.headers }, payload: form.payload }), 'payload_too_large');
  });

  it('answers 429 rate_limited with Retry-After once a key has used its requests of the minute; other keys are not affected', async () => {
    const limited = await api({ limits: { rateLimitPerMinute: 2 } });
    const image = pngDeclaring(8, 8).toString('base64');
    for (let i = 0; i < 2; i++) expect((await detectJson(limited, image)).statusCode).not.toBe(429);
    const refused = await detectJson(limited, image);
    const error = expectError(refused, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(error.details).toMatchObject({ limit_per_minute: 2, retry_after_seconds: Number(refused.headers['retry-after']) });
    expect((await detectJson(limited, image, { 'x-api-key': OTHER_KEY.secret })).statusCode).not.toBe(429);
  });

  it('answers 503 overloaded with Retry-After when every inference slot is taken and the queue is full', async () => {
    const limited = await api({ admission: { maxConcurrent: 1, maxQueued: 0 } });
    let release: () => void = () => undefined;
    const held = limited.gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    try {
      const refused = await detectJson(limited, portrait.toString('base64'));
      const error = expectError(refused, 'overloaded');
      expect(refused.headers['retry-after']).toBe('1');
      expect(error.details).toMatchObject({ running: 1, queued: 0, maxConcurrent: 1, maxQueued: 0 });
    } finally {
      release();
      await held;
    }
    expect((await detectJson(limited, portrait.toString('base64'))).statusCode).toBe(200);
  });

  it('answers 503 overloaded when a request waits past API_REQUEST_TIMEOUT_MS, and takes it out of the queue', async () => {
    const limited = await api({ admission: { maxConcurrent: 1, maxQueued: 1 }, limits: { requestTimeoutMs: 200 } });
    let release: () => void = () => undefined;
    const held = limited.gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    try {
      const late = await detectJson(limited, portrait.toString('base64'));
      const error = expectError(late, 'overloaded');
      expect(error.message).toBe('the request did not complete within 200 ms');
      expect(late.headers['retry-after']).toBe('1');
      expect(limited.gate.load).toEqual({ running: 1, queued: 0 });
    } finally {
      release();
      await held;
    }
    expect(limited.gate.load).toEqual({ running: 0, queued: 0 });
  });
});

describe('routing, request ids and OpenAPI', () => {
  let shared: TestApi;
  beforeAll(async () => {
    shared = await api();
  });

  it('answers 404 not_found for an unknown route and 405 with Allow for a known route and another method', async () => {
    const missing = expectError(await shared.inject({ method: 'GET', url: '/v1/nope', headers: shared.auth }), 'not_found');
    expect(missing.details).toEqual({ path: '/v1/nope' });
    const wrongMethod = await shared.inject({ method: 'GET', url: DETECT, headers: shared.auth });
    expectError(wrongMethod, 'method_not_allowed');
    expect(wrongMethod.headers.allow).toBe('POST');
  });

  it('returns the caller\'s X-Request-Id when it is a sane token, a new one otherwise, and logs the request under it', async () => {
    const echoed = await detectJson(shared, 'AAAA', { ...shared.auth, 'x-request-id': 'client-req.42' });
    expect(echoed.headers['x-request-id']).toBe('client-req.42');
    for (const insane of ['has spaces in it', 'x'.repeat(200), 'new\u00e9line']) {
      const replaced = await detectJson(shared, 'AAAA', { ...shared.auth, 'x-request-id': insane });
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const generated = await detectJson(shared, 'AAAA');
    const id = generated.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await shared.inject({ method: 'GET', url: '/health' })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(shared.logs.filter((line) => line.requestId === 'client-req.42').map((line) => line.msg)).toEqual(['api request']);
    expect(shared.logs.find((line) => line.requestId === id)).toMatchObject({ msg: 'api request', status: 415, route: DETECT, errorCode: 'image_decode_error' });
  });

  it('serves a valid OpenAPI 3 document generated from the route schemas', async () => {
    const answer = await shared.inject({ method: 'GET', url: '/v1/openapi.json', headers: shared.auth });
    expect(answer.statusCode).toBe(200);
    const document = bodyOf<Record<string, any>>(answer); // eslint-disable-line @typescript-eslint/no-explicit-any
    const validation = await validateOpenApi(structuredClone(document) as Parameters<typeof validateOpenApi>[0]);
    expect(validation).toMatchObject({ valid: true });
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual([DETECT]);
    expect(document.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    const detect = document.paths[DETECT].post;
    expect(detect.requestBody.content['application/json'].schema.properties.image).toMatchObject({ type: 'string', format: 'byte' });
    expect(detect.requestBody.content['multipart/form-data'].schema.properties.image).toMatchObject({ type: 'string', format: 'binary' });
    expect(Object.keys(detect.responses).sort()).toEqual(['200', '400', '401', '413', '415', '422', '429', '500', '503']);
    const face = detect.responses['200'].content['application/json'].schema.properties.faces.items;
    expect(Object.keys(face.properties).sort()).toEqual(['box', 'landmarks', 'quality', 'score']);
    expect(detect.responses['422'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorResponse' });
    expect(document.components.schemas.ErrorResponse.properties.error.properties.code.enum).toEqual(Object.keys(API_ERROR_STATUS));
  });
});

describe('metrics and spans', () => {
  let tracing: Tracing;
  const exporter = new InMemorySpanExporter();

  beforeAll(() => {
    tracing = setupTracing({ serviceName: 'api-test', exporter, processor: 'simple', sampler: 'always_on', instrumentRedis: false });
  });
  afterAll(async () => {
    await tracing.shutdown();
  });

  it('counts requests per route pattern, method and status, with a latency histogram', async () => {
    const counted = await api();
    await detectJson(counted, portrait.toString('base64'));
    await detectJson(counted, portrait.toString('base64'), {});
    await counted.inject({ method: 'GET', url: '/v1/no/such/path/42' });
    const text = await counted.metrics.metrics();
    expect(text).toContain(`http_requests_total{route="${DETECT}",method="POST",status="200"} 1`);
    expect(text).toContain(`http_requests_total{route="${DETECT}",method="POST",status="401"} 1`);
    expect(text).toContain('http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(text).toMatch(new RegExp(`http_request_duration_seconds_count\\{route="${DETECT}",method="POST"\\} 2`));
  });

  it('makes one server span per API request, continuing the caller\'s trace, with route, status, request and key ids, and the model stages as children', async () => {
    const traced = await api({ tracer: tracing.tracer });
    exporter.reset();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const answer = await detectJson(traced, portrait.toString('base64'), { ...traced.auth, traceparent: `00-${traceId}-b7ad6b7169203331-01`, 'x-request-id': 'span-test-1' });
    expect(answer.statusCode).toBe(200);
    await traced.inject({ method: 'GET', url: '/health' });
    const spans = exporter.getFinishedSpans();
    const server = spans.filter((span) => span.kind === 1 /* SERVER */);
    expect(server.map((span) => span.name)).toEqual([`POST ${DETECT}`]);
    const span = server[0]!;
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': DETECT,
      'http.response.status_code': 200,
      'request.id': 'span-test-1',
      'api.key_id': TEST_KEY.id,
    });
    const children = spans.filter((s) => s.parentSpanContext?.spanId === span.spanContext().spanId).map((s) => s.name);
    expect(children).toEqual(expect.arrayContaining(['frame.decode', 'faces.detect', 'faces.landmarks', 'faces.align']));
    expect(children).not.toContain('faces.embed');
  });

  it('marks only 5xx answers as span errors', async () => {
    const traced = await api({ tracer: tracing.tracer, admission: { maxConcurrent: 1, maxQueued: 0 } });
    let release: () => void = () => undefined;
    const held = traced.gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    exporter.reset();
    await detectJson(traced, portrait.toString('base64'));
    await detectJson(traced, portrait.toString('base64'), {});
    release();
    await held;
    const statuses = exporter.getFinishedSpans().filter((s) => s.kind === 1).map((s) => [s.attributes['http.response.status_code'], s.status.code, s.attributes['error.type']]);
    expect(statuses).toEqual([
      [503, 2 /* ERROR */, 'overloaded'],
      [401, 0 /* UNSET */, undefined],
    ]);
  });
});
