import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  pushFrame,
  queueState,
  readStream,
  RESULT_STREAM,
  runTag,
  waitForDrainedQueue,
  waitForResults,
  type ImageMode,
  type PushedFrame,
  type StreamEntry,
} from '../../support/frames';
import { expectFaceJson } from '../../support/face-json';
import { loadPortraits } from '../../support/portraits';
import { startRedisServer, type RedisServer } from '../../support/redis-server';
import { ensureServiceBuilt, REPO_ROOT, ServiceProcess, stopAllServices } from '../../support/service-process';

/**
 * Acceptance: frames XADDed to frames:ready:<id> — with the image under
 * frame:data:<frame_id>, under metadata.image_key, inline base64 or inline
 * binary — each give exactly one faces:detected entry with the documented
 * fields, and the queue is left empty with nothing pending.
 */

jest.setTimeout(240_000);

const SCHEMA_PATH = join(REPO_ROOT, 'docs', 'schemas', 'faces-detected.v1.json');
const MODES: readonly ImageMode[] = ['frame-key', 'image-key', 'inline', 'binary'];
const PER_MODE = 4;

/** Validators of the result entry and of its `faces` JSON (the schema is JSON Schema 2020-12, with formats). */
function schemaValidators(): { entry: ValidateFunction; faces: ValidateFunction } {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { $id: string };
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
  ajv.addSchema(schema);
  const entry = ajv.getSchema(schema.$id);
  if (!entry) throw new Error(`${SCHEMA_PATH} did not compile`);
  // contentSchema is an annotation in 2020-12: the faces JSON is validated on its own against $defs/face.
  const faces = ajv.compile({ type: 'array', items: { $ref: `${schema.$id}#/$defs/face` } });
  return { entry, faces };
}

/** The essentials of the schema, checked by hand on every result (with readable failures). */
function checkResultByHand(fields: Record<string, string>): void {
  for (const name of ['schema_version', 'frame_id', 'camera_id', 'timestamp', 'processor_id', 'processed_at', 'faces_count', 'faces', 'latency_ms', 'model_version']) {
    expect(typeof fields[name]).toBe('string');
  }
  expect(fields.schema_version).toBe('1');
  expect(fields.faces_count).toMatch(/^[0-9]+$/);
  expect(fields.latency_ms).toMatch(/^[0-9]+(\.[0-9]+)?$/);
  expect(Number.isNaN(Date.parse(fields.processed_at as string))).toBe(false);
  const faces = JSON.parse(fields.faces as string) as Record<string, unknown>[];
  expect(Array.isArray(faces)).toBe(true);
  expect(faces).toHaveLength(Number(fields.faces_count));
  for (const face of faces) expectFaceJson(face);
}

describe('service runtime: consumption and results', () => {
  const processorId = `consume-${runTag()}`;
  let redis: RedisServer;
  let client: Redis;
  let service: ServiceProcess;
  const pushed: PushedFrame[] = [];
  let results: Map<string, StreamEntry[]>;

  beforeAll(async () => {
    await ensureServiceBuilt();
    redis = await startRedisServer();
    client = new Redis(redis.url, { lazyConnect: false });
    service = await ServiceProcess.start({ REDIS_URL: redis.url, PROCESSOR_ID: processorId, CONSUMER_NAME: 'consume-a' });
    await service.waitUntilConsuming();

    const images = loadPortraits(MODES.length * PER_MODE);
    for (const [m, mode] of MODES.entries()) {
      for (let i = 0; i < PER_MODE; i += 1) {
        const image = images[m * PER_MODE + i] as Buffer;
        pushed.push(await pushFrame(client, processorId, { frameId: `f-${mode}-${i}`, image, mode, cameraId: `cam-${m}` }));
      }
    }
    await waitForResults(
      client,
      pushed.map((p) => p.frameId),
      180_000,
      () => service.tail(),
    );
    results = new Map();
    for (const entry of await readStream(client, RESULT_STREAM)) {
      const id = entry.fields.frame_id ?? '';
      results.set(id, [...(results.get(id) ?? []), entry]);
    }
  });

  afterAll(async () => {
    await stopAllServices();
    client?.disconnect();
    await redis?.dispose();
  });

  it('publishes exactly one result per frame, for every way of passing the image', () => {
    for (const frame of pushed) expect({ frame: frame.frameId, results: results.get(frame.frameId)?.length }).toEqual({ frame: frame.frameId, results: 1 });
    expect([...results.keys()].sort()).toEqual(pushed.map((p) => p.frameId).sort());
  });

  it('fills every documented field of the result', () => {
    let facesFound = 0;
    for (const frame of pushed) {
      const fields = (results.get(frame.frameId) as StreamEntry[])[0]?.fields as Record<string, string>;
      checkResultByHand(fields);
      expect(fields).toEqual(
        expect.objectContaining({
          frame_id: frame.frameId,
          camera_id: frame.fields.camera_id,
          timestamp: frame.fields.timestamp,
          processor_id: processorId,
          model_version: expect.stringMatching(/\S/),
          // Tracing is off in the child: the producer's context passes through unchanged.
          traceparent: frame.traceparent,
        }),
      );
      expect(JSON.parse(fields.trace_context as string)).toEqual({ traceparent: frame.traceparent });
      expect(Number(fields.latency_ms)).toBeGreaterThanOrEqual(0);
      facesFound += Number(fields.faces_count) > 0 ? 1 : 0;
    }
    // Portraits: a face in (nearly) every frame, whichever way it was passed.
    expect(facesFound).toBeGreaterThanOrEqual(pushed.length - 2);
  });

  it('matches docs/schemas/faces-detected.v1.json', () => {
    const validators = schemaValidators();
    const sample = (results.get(pushed[0]?.frameId as string) as StreamEntry[])[0]?.fields as Record<string, string>;
    for (const frame of pushed) {
      const fields = (results.get(frame.frameId) as StreamEntry[])[0]?.fields as Record<string, string>;
      expect({ frame: frame.frameId, valid: validators.entry(fields), errors: validators.entry.errors ?? null }).toEqual({ frame: frame.frameId, valid: true, errors: null });
      const faces = JSON.parse(fields.faces as string) as unknown;
      expect({ frame: frame.frameId, valid: validators.faces(faces), errors: validators.faces.errors ?? null }).toEqual({ frame: frame.frameId, valid: true, errors: null });
    }
    // The validator does reject a broken entry (so the checks above mean something).
    expect(validators.entry({ ...sample, faces_count: 'two' })).toBe(false);
    expect(validators.faces([{ box: [1, 2, 3], score: 2 }])).toBe(false);
  });

  it('empties the queue: every entry acknowledged and deleted, nothing pending', async () => {
    expect(await waitForDrainedQueue(client, processorId)).toEqual({ length: 0, pending: 0 });
    expect(await queueState(client, processorId)).toEqual({ length: 0, pending: 0 });
    expect(await client.xlen('faces:dead-letter')).toBe(0);
  });

  it('counts the frames on /health', async () => {
    const health = await service.waitForHealth((a) => a.body.frames_processed === pushed.length, 30_000, `frames_processed = ${pushed.length}`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual(expect.objectContaining({ status: 'healthy', redis: 'ok', processor_id: processorId, errors_total: 0 }));
  });
});
