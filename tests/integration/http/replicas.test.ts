import { randomBytes } from 'node:crypto';
import { entriesByFrame, pushFrame, runTag, waitForResults } from '../../support/frames';
import { PORTRAIT_IDS, readOtherPhoto, readPortrait } from '../../support/portraits';
import { useRuntimeRedis } from '../../support/runtime-redis';
import { ServiceProcess, sleep, waitFor } from '../../support/service-process';

/**
 * Acceptance of the identity service's replicas: two service processes on
 * one Redis (each with its own queue, so that we know which one processed a
 * frame) share the gallery. A person enrolled through replica A is
 * identified by replica B within 1 s, in a frame of B's stream and by B's
 * 1:N verify; deleted through B, A stops identifying them within 1 s. Both
 * restart with the gallery intact.
 */

jest.setTimeout(420_000);

const API_KEY = { id: 'replicas-test', secret: `s-${randomBytes(16).toString('hex')}` };
const PROPAGATION_MS = 1000;

interface FaceJson {
  readonly identity?: { readonly status: string; readonly id?: string; readonly similarity?: number };
}

interface VerifyAnswer {
  readonly faces: ReadonlyArray<{ readonly identity: { readonly status: 'known' | 'unknown'; readonly person_id?: string } }>;
}

async function api<T>(service: ServiceProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`http://127.0.0.1:${service.httpPort}${path}`, {
    method,
    headers: { 'x-api-key': API_KEY.secret, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

/** The status (known/unknown, and who) of the single face of `image` on the replica's 1:N verify. */
async function identifyOn(service: ServiceProcess, image: Buffer): Promise<string> {
  const answer = await api<VerifyAnswer>(service, 'POST', '/v1/faces/verify', { image: image.toString('base64') });
  expect(answer.status).toBe(200);
  const identity = answer.body.faces[0]?.identity;
  return identity?.status === 'known' ? `known:${identity.person_id}` : 'unknown';
}

describe('identity service: two replicas share one gallery', () => {
  const rt = useRuntimeRedis({ producer: true, stopServicesAfterEach: true });
  const tag = runTag();
  const env = (replica: string): Record<string, string> => ({
    REDIS_URL: rt.redis.url,
    PROCESSOR_ID: `replica-${replica}-${tag}`,
    CONSUMER_NAME: `replica-${replica}`,
    API_KEYS: `${API_KEY.id}:${API_KEY.secret}`,
    GALLERY_ENCRYPTION_KEY: `k1:${galleryKey}`,
    ORT_INTRA_OP_THREADS: '1',
    INFERENCE_WORKERS: '1',
    MAX_BATCH: '1',
  });
  const galleryKey = randomBytes(32).toString('base64');
  const [person, kept] = [PORTRAIT_IDS[3] as string, PORTRAIT_IDS[7] as string];

  /** Pushes the person's other photo to the replica's queue and returns the identity of the face in its result. */
  async function identityInStream(replica: ServiceProcess, image: Buffer): Promise<FaceJson['identity']> {
    const frame = await pushFrame(rt.producer, replica.env.PROCESSOR_ID as string, { frameId: `${tag}-${Date.now()}-${randomBytes(2).toString('hex')}`, image });
    const tally = await waitForResults(rt.client, [frame.frameId], 60_000, () => replica.tail());
    expect(tally.once).toBe(1);
    const entry = (await entriesByFrame(rt.client)).get(frame.frameId)?.[0];
    expect(entry?.fields.processor_id).toBe(replica.env.PROCESSOR_ID);
    const faces = JSON.parse(entry?.fields.faces ?? '[]') as FaceJson[];
    return faces[0]?.identity;
  }

  it('enrolled through A: B identifies within 1 s; deleted through B: A forgets within 1 s; both restart with the gallery', async () => {
    let a = await ServiceProcess.start(env('a'), { label: 'replica-a' });
    let b = await ServiceProcess.start(env('b'), { label: 'replica-b' });
    await Promise.all([a.waitUntilConsuming(), b.waitUntilConsuming()]);
    const probe = readOtherPhoto(person);
    expect(await identifyOn(b, probe)).toBe('unknown');

    const registered = await api<{ person_id: string; enrolled: number }>(a, 'POST', '/v1/faces/register', {
      person_id: person,
      name: 'Replica Test',
      images: [readPortrait(person).toString('base64')],
    });
    expect(registered).toEqual({ status: 201, body: expect.objectContaining({ person_id: person, enrolled: 1 }) });
    const enrolledAt = Date.now();
    await api(a, 'POST', '/v1/faces/register', { person_id: kept, images: [readPortrait(kept).toString('base64')] });

    // B's index follows the change feed: its 1:N answer turns known, and how fast is the figure under test.
    const seenAfterMs = await waitFor(async () => ((await identifyOn(b, probe)) === `known:${person}` ? { ms: Date.now() - enrolledAt } : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: () => `replica B to identify ${person}\n${b.tail()}`,
    });
    expect(seenAfterMs.ms).toBeLessThanOrEqual(PROPAGATION_MS);
    // A frame B processes after that second is identified too (the stream and the API share B's index).
    await sleep(Math.max(0, enrolledAt + PROPAGATION_MS - Date.now()));
    expect(await identityInStream(b, probe)).toEqual(expect.objectContaining({ status: 'known', id: person }));

    const deleted = await api(b, 'DELETE', `/v1/faces/${person}`);
    expect(deleted.status).toBe(204);
    const deletedAt = Date.now();
    const forgottenAfterMs = await waitFor(async () => ((await identifyOn(a, probe)) === 'unknown' ? { ms: Date.now() - deletedAt } : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: () => `replica A to forget ${person}\n${a.tail()}`,
    });
    expect(forgottenAfterMs.ms).toBeLessThanOrEqual(PROPAGATION_MS);
    await sleep(Math.max(0, deletedAt + PROPAGATION_MS - Date.now()));
    expect(await identityInStream(a, probe)).toEqual(expect.objectContaining({ status: 'unknown' }));
    expect(await api(a, 'GET', `/v1/faces/${person}`)).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'person_not_found' }) } });

    // Both restart: the gallery is Redis's, not the processes'.
    expect(await a.terminate()).toEqual({ code: 0, signal: null });
    expect(await b.terminate()).toEqual({ code: 0, signal: null });
    a = await ServiceProcess.start(env('a'), { label: 'replica-a (restarted)' });
    b = await ServiceProcess.start(env('b'), { label: 'replica-b (restarted)' });
    await Promise.all([a.waitUntilConsuming(), b.waitUntilConsuming()]);
    for (const replica of [a, b]) {
      expect(await api(replica, 'GET', `/v1/faces/${kept}`)).toEqual({ status: 200, body: expect.objectContaining({ person_id: kept }) });
      expect(await identifyOn(replica, readOtherPhoto(kept))).toBe(`known:${kept}`);
      expect(await identifyOn(replica, probe)).toBe('unknown');
    }
    expect(await identityInStream(b, readOtherPhoto(kept))).toEqual(expect.objectContaining({ status: 'known', id: kept }));
  });
});
