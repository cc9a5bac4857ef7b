import { validate as validateOpenApi } from '@readme/openapi-parser';
import sharp from 'sharp';
import { ExactIdentityIndex } from '../../../src/infrastructure/search/exact-identity-index';
import { GalleryIndexSync } from '../../../src/application/services/gallery-index-sync';
import { createGalleryUseCases } from '../../../src/composition/gallery';
import { generateKey } from '../../../src/infrastructure/store/encryption-keys';
import { bodyOf, expectError, multipart, startTestApi, TEST_KEY, type TestApi } from '../../support/api-server';
import { openGalleryStores, type GalleryStores, type StoreMode } from '../../support/gallery-stores';
import { groupPhoto, noisePng, portraitTile } from '../../support/images';
import { startPipeline, type Pipeline } from '../../support/pipeline';
import { DISSIMILAR_PEOPLE, readOtherPhoto, readPortrait } from '../../support/portraits';
import { sleep } from '../redis/redis-test-kit';

/**
 * The gallery routes (/v1/faces, /v1/enrollments) on the real fastify server
 * over the real pipeline (models loaded once), the real stores (encrypted
 * files under a temporary DATA_DIR, or a real redis-server) and the real
 * exact index, in process (`inject`).
 */

jest.setTimeout(180_000);

const [ADA, BOB, CY] = DISSIMILAR_PEOPLE as [string, string, string];
const b64 = (image: Buffer): string => image.toString('base64');


let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await startPipeline();
});
afterAll(async () => {
  await pipeline?.release();
});

const SESSION_TTL_MS = 1_500;

interface GalleryApi {
  readonly api: TestApi;
  readonly stores: GalleryStores;
  close(): Promise<void>;
}

async function galleryApi(mode: StoreMode, options: { maxFaces?: number; stores?: GalleryStores; loadIndex?: boolean } = {}): Promise<GalleryApi> {
  const stores = options.stores ?? (await openGalleryStores(mode));
  const index = new ExactIdentityIndex();
  // The service's own way of keeping the index: load, then follow the change feed.
  const sync = options.loadIndex === false ? null : new GalleryIndexSync(stores.repository, index, { info: () => undefined, warn: () => undefined });
  await sync?.start();
  const api = await startTestApi(pipeline.analyze, {
    gallery: (gate) =>
      createGalleryUseCases({
        analyze: pipeline.analyze,
        gate,
        quality: { minFaceSize: pipeline.config.MIN_FACE_SIZE, minSharpness: pipeline.config.MIN_SHARPNESS, maxYawDegrees: pipeline.config.MAX_YAW_DEGREES },
        repository: stores.repository,
        sessions: stores.sessions,
        index,
        thresholds: { verificationThreshold: pipeline.config.MATCH_THRESHOLD, identificationThreshold: pipeline.config.IDENTIFY_THRESHOLD },
        enrollment: { ttlMs: SESSION_TTL_MS, maxCandidates: options.maxFaces ?? 10, commitFaces: 2 },
      }),
  });
  return {
    api,
    stores,
    close: async () => {
      await api.close();
      await sync?.stop();
      if (options.stores === undefined) await stores.close();
    },
  };
}

const json = (api: TestApi, method: 'POST' | 'PUT' | 'GET' | 'DELETE', url: string, payload?: object) =>
  api.inject({ method, url, headers: api.auth, ...(payload !== undefined ? { payload } : {}) });

describe.each<StoreMode>(['embedded', 'redis'])('the gallery lifecycle (%s mode)', (mode) => {
  let g: GalleryApi;
  beforeAll(async () => {
    g = await galleryApi(mode);
  });
  afterAll(async () => {
    await g?.close();
  });

  it('registers, shows without embeddings, verifies 1:1 and 1:N, replaces, deletes', async () => {
    const { api } = g;
    const registered = await json(api, 'POST', '/v1/faces/register', {
      person_id: 'ada',
      name: 'Ada',
      metadata: { badge: '007', floor: 3, visitor: false, note: null },
      images: [b64(readPortrait(ADA)), b64(readOtherPhoto(ADA)), b64(await noisePng(300, 300))],
    });
    expect(registered.statusCode).toBe(201);
    expect(bodyOf(registered)).toEqual({ person_id: 'ada', enrolled: 2, embeddings: 2, rejected: [{ index: 2, code: 'face_not_detected', reason: expect.any(String) }] });

    expectError(await json(api, 'POST', '/v1/faces/register', { person_id: 'ada', images: [b64(readPortrait(ADA))] }), 'person_exists');

    const shown = await json(api, 'GET', '/v1/faces/ada');
    expect(shown.statusCode).toBe(200);
    const person = bodyOf<Record<string, unknown>>(shown);
    expect(person).toMatchObject({ person_id: 'ada', name: 'Ada', metadata: { badge: '007', floor: 3, visitor: false, note: null }, embeddings: 2 });
    expect(person.quality).toEqual([expect.objectContaining({ face_size: expect.any(Number), sharpness: expect.any(Number), yaw: expect.any(Number) }), expect.anything()]);
    expect(Date.parse(person.created_at as string)).not.toBeNaN();
    expect(shown.body).not.toMatch(/embedding"|vector|template/);

    const same = bodyOf<{ match: boolean; similarity: number; threshold: number }>(
      await json(api, 'POST', '/v1/faces/verify', { image: b64(readOtherPhoto(ADA)), person_id: 'ada' }),
    );
    expect(same).toEqual({ match: true, similarity: expect.any(Number), threshold: pipeline.config.MATCH_THRESHOLD });
    const other = bodyOf<{ match: boolean; similarity: number }>(await json(api, 'POST', '/v1/faces/verify', { image: b64(readPortrait(BOB)), person_id: 'ada' }));
    expect(other.match).toBe(false);
    expect(other.similarity).toBeLessThan(same.similarity);

    // 1:N over a photo of two people, one enrolled: every face, with its candidates.
    const group = await groupPhoto([await portraitTile(readOtherPhoto(ADA), 200), await portraitTile(readPortrait(BOB), 200)], 2, 200, 40);
    const form = await multipart({ image: { data: group.image, filename: 'group.jpg', type: 'image/jpeg' }, top_k: '3' });
    const identified = await api.inject({ method: 'POST', url: '/v1/faces/verify', headers: { ...api.auth, ...form.headers }, payload: form.payload });
    expect(identified.statusCode).toBe(200);
    const faces = bodyOf<{ faces: Array<{ box: number[]; identity: { status: string; person_id?: string }; candidates: Array<{ person_id: string; name: string }> }> }>(identified).faces;
    expect(faces).toHaveLength(2);
    const [left, right] = [...faces].sort((a, b) => (a.box[0] as number) - (b.box[0] as number));
    expect(left?.identity).toMatchObject({ status: 'known', person_id: 'ada' });
    expect(left?.candidates[0]).toMatchObject({ person_id: 'ada', name: 'Ada' });
    expect(right?.identity.status).toBe('unknown');
    expect(identified.body).not.toContain('embedding');

    // PUT replace=true (multipart): Ada's photos become Cy's; renamed; metadata kept.
    const replaceForm = await multipart({ image: { data: readPortrait(CY), filename: 'cy.jpg', type: 'image/jpeg' }, replace: 'true', name: 'Ada (replaced)' });
    const replaced = await api.inject({ method: 'PUT', url: '/v1/faces/ada', headers: { ...api.auth, ...replaceForm.headers }, payload: replaceForm.payload });
    expect(replaced.statusCode).toBe(200);
    expect(bodyOf(replaced)).toEqual({ person_id: 'ada', enrolled: 1, embeddings: 1, rejected: [] });
    expect(bodyOf(await json(api, 'GET', '/v1/faces/ada'))).toMatchObject({ name: 'Ada (replaced)', embeddings: 1, metadata: { badge: '007' } });
    const afterReplace = bodyOf<{ faces: Array<{ identity: { status: string } }> }>(await json(api, 'POST', '/v1/faces/verify', { image: b64(readOtherPhoto(ADA)) }));
    expect(afterReplace.faces[0]?.identity.status).toBe('unknown');
    expect(bodyOf<{ match: boolean }>(await json(api, 'POST', '/v1/faces/verify', { image: b64(readOtherPhoto(CY)), person_id: 'ada' })).match).toBe(true);

    // Adding (no replace) keeps what is there.
    const added = await json(api, 'PUT', '/v1/faces/ada', { images: [b64(readOtherPhoto(CY))], metadata: { badge: '008' } });
    expect(bodyOf(added)).toEqual({ person_id: 'ada', enrolled: 1, embeddings: 2, rejected: [] });
    expect(bodyOf(await json(api, 'GET', '/v1/faces/ada'))).toMatchObject({ metadata: { badge: '008' }, embeddings: 2 });

    const deleted = await json(api, 'DELETE', '/v1/faces/ada');
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expectError(await json(api, 'GET', '/v1/faces/ada'), 'person_not_found');
    expectError(await json(api, 'DELETE', '/v1/faces/ada'), 'person_not_found');
    const gone = bodyOf<{ faces: Array<{ identity: { status: string }; candidates: unknown[] }> }>(await json(api, 'POST', '/v1/faces/verify', { image: b64(readOtherPhoto(CY)) }));
    expect(gone.faces[0]).toMatchObject({ identity: { status: 'unknown' }, candidates: [] });
    expect(await g.stores.repository.get('ada')).toBeNull();
  });

  it('registers from multipart files, and pages through the people', async () => {
    const { api } = g;
    for (const [id, photo] of [['p-1', ADA], ['p-2', BOB], ['p-3', CY]] as const) {
      const form = await multipart({ person_id: id, metadata: '{"team":"blue"}', image: { data: readPortrait(photo), filename: `${id}.jpg`, type: 'image/jpeg' } });
      const answer = await api.inject({ method: 'POST', url: '/v1/faces/register', headers: { ...api.auth, ...form.headers }, payload: form.payload });
      expect({ status: answer.statusCode, body: bodyOf(answer) }).toEqual({ status: 201, body: { person_id: id, enrolled: 1, embeddings: 1, rejected: [] } });
    }
    const first = bodyOf<{ people: Array<{ person_id: string; metadata: object }>; next_cursor: string | null }>(await json(api, 'GET', '/v1/faces?limit=2'));
    expect(first.people.map((p) => p.person_id)).toEqual(['p-1', 'p-2']);
    expect(first.people[0]?.metadata).toEqual({ team: 'blue' });
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = bodyOf<{ people: Array<{ person_id: string }>; next_cursor: string | null }>(
      await json(api, 'GET', `/v1/faces?limit=2&cursor=${encodeURIComponent(first.next_cursor as string)}`),
    );
    expect(second.people.map((p) => p.person_id)).toEqual(['p-3']);
    expect(second.next_cursor).toBeNull();
    for (const id of ['p-1', 'p-2', 'p-3']) expect((await json(api, 'DELETE', `/v1/faces/${id}`)).statusCode).toBe(204);
  });

  it('lets concurrent updates of one person all land (optimistic versions, retried)', async () => {
    const { api } = g;
    expect((await json(api, 'POST', '/v1/faces/register', { person_id: 'busy', images: [b64(readPortrait(BOB))] })).statusCode).toBe(201);
    const answers = await Promise.all(Array.from({ length: 8 }, () => json(api, 'PUT', '/v1/faces/busy', { images: [b64(readOtherPhoto(BOB))] })));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
    expect(bodyOf(await json(api, 'GET', '/v1/faces/busy'))).toMatchObject({ embeddings: 9 });
    expect((await json(api, 'DELETE', '/v1/faces/busy')).statusCode).toBe(204);
  });

  it('enrols through a session: add frames, commit the best, expire, abandon', async () => {
    const { api } = g;
    const opened = await json(api, 'POST', '/v1/enrollments', { person_id: 'kiosk-1' });
    expect(opened.statusCode).toBe(201);
    const session = bodyOf<{ session_id: string; person_id: string; expires_at: string }>(opened);
    expect(session.person_id).toBe('kiosk-1');
    expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now());

    const blurred = await sharp(readPortrait(ADA)).blur(8).jpeg().toBuffer();
    const added = await json(api, 'POST', `/v1/enrollments/${session.session_id}/images`, { images: [b64(readPortrait(CY)), b64(blurred)] });
    expect(bodyOf(added)).toMatchObject({ session_id: session.session_id, accepted: 1, faces: 1, rejected: [{ index: 1, code: 'poor_quality', reason: 'too_blurry' }] });
    const form = await multipart({ image: { data: readOtherPhoto(CY), filename: 'f.jpg', type: 'image/jpeg' } });
    const more = await api.inject({ method: 'POST', url: `/v1/enrollments/${session.session_id}/images`, headers: { ...api.auth, ...form.headers }, payload: form.payload });
    expect(bodyOf(more)).toMatchObject({ accepted: 1, faces: 2, rejected: [] });

    const committed = await json(api, 'POST', `/v1/enrollments/${session.session_id}/commit`, { name: 'Cy' });
    expect(bodyOf(committed)).toEqual({ person_id: 'kiosk-1', enrolled: 2, embeddings: 2, created: true });
    expect(bodyOf(await json(api, 'GET', '/v1/faces/kiosk-1'))).toMatchObject({ name: 'Cy', embeddings: 2 });
    expect(bodyOf<{ match: boolean }>(await json(api, 'POST', '/v1/faces/verify', { image: b64(readOtherPhoto(CY)), person_id: 'kiosk-1' })).match).toBe(true);
    // A committed session is closed.
    expectError(await json(api, 'POST', `/v1/enrollments/${session.session_id}/commit`, {}), 'session_not_found');

    // A second session adds to the existing person; commit without a body.
    const again = bodyOf<{ session_id: string }>(await json(api, 'POST', '/v1/enrollments', { person_id: 'kiosk-1' }));
    await json(api, 'POST', `/v1/enrollments/${again.session_id}/images`, { images: [b64(readPortrait(CY))] });
    const second = await api.inject({ method: 'POST', url: `/v1/enrollments/${again.session_id}/commit`, headers: api.auth });
    expect(bodyOf(second)).toEqual({ person_id: 'kiosk-1', enrolled: 1, embeddings: 3, created: false });

    // Expiry: the session is gone after ENROLLMENT_SESSION_TTL_MS.
    const expiring = bodyOf<{ session_id: string }>(await json(api, 'POST', '/v1/enrollments', { person_id: 'kiosk-2' }));
    await sleep(SESSION_TTL_MS + 300);
    expectError(await json(api, 'POST', `/v1/enrollments/${expiring.session_id}/images`, { images: [b64(readPortrait(CY))] }), 'session_not_found');
    expectError(await json(api, 'POST', `/v1/enrollments/${expiring.session_id}/commit`, {}), 'session_not_found');

    // Abandon.
    const abandoned = bodyOf<{ session_id: string }>(await json(api, 'POST', '/v1/enrollments', { person_id: 'kiosk-3' }));
    expect((await json(api, 'DELETE', `/v1/enrollments/${abandoned.session_id}`)).statusCode).toBe(204);
    expectError(await json(api, 'DELETE', `/v1/enrollments/${abandoned.session_id}`), 'session_not_found');
    expect((await json(api, 'DELETE', '/v1/faces/kiosk-1')).statusCode).toBe(204);
  });
});

describe('restarts', () => {
  it.each<StoreMode>(['embedded', 'redis'])('keeps the gallery across a restart of the service (%s mode), and 503 storage_error with the wrong key', async (mode) => {
    const stores = await openGalleryStores(mode);
    const first = await galleryApi(mode, { stores });
    try {
      expect((await json(first.api, 'POST', '/v1/faces/register', { person_id: 'kept', name: 'Kept', images: [b64(readPortrait(BOB))] })).statusCode).toBe(201);
      await first.close();

      // A new service over the same store: the index is loaded from it, the person is there.
      const reopened = await stores.reopen();
      const again = await galleryApi(mode, { stores: reopened });
      try {
        expect(bodyOf(await json(again.api, 'GET', '/v1/faces/kept'))).toMatchObject({ person_id: 'kept', name: 'Kept', embeddings: 1 });
        const identified = bodyOf<{ faces: Array<{ identity: { status: string; person_id?: string } }> }>(
          await json(again.api, 'POST', '/v1/faces/verify', { image: b64(readOtherPhoto(BOB)) }),
        );
        expect(identified.faces[0]?.identity).toMatchObject({ status: 'known', person_id: 'kept' });
      } finally {
        await again.close();
        await reopened.close({ dispose: false });
      }

      // Records sealed with another key cannot be read: a storage error, not a crash and not a silent miss.
      const underOtherKey = await stores.reopen(generateKey('other-key'));
      const wrongKey = await galleryApi(mode, { stores: underOtherKey, loadIndex: false });
      try {
        expectError(await json(wrongKey.api, 'GET', '/v1/faces/kept'), 'storage_error');
      } finally {
        await wrongKey.close();
        await underOtherKey.close({ dispose: false });
      }
    } finally {
      await stores.close();
    }
  });
});

describe('error codes of the gallery routes', () => {
  let g: GalleryApi;
  beforeAll(async () => {
    g = await galleryApi('embedded', { maxFaces: 1 });
  });
  afterAll(async () => {
    await g?.close();
  });

  it('answers 400 invalid_request for a bad person id, bad metadata, replace without images', async () => {
    const { api } = g;
    const portrait = b64(readPortrait(ADA));
    const badId = expectError(await json(api, 'POST', '/v1/faces/register', { person_id: '../etc/passwd', images: [portrait] }), 'invalid_request');
    expect(badId.message).toContain('/person_id');
    expectError(await json(api, 'POST', '/v1/faces/register', { person_id: 'x', metadata: { nested: { a: 1 } }, images: [portrait] }), 'invalid_request');
    expectError(await json(api, 'POST', '/v1/faces/register', { person_id: 'x', images: [] }), 'invalid_request');
    const form = await multipart({ person_id: 'x', metadata: '{not json', image: { data: readPortrait(ADA), filename: 'a.jpg' } });
    expectError(await api.inject({ method: 'POST', url: '/v1/faces/register', headers: { ...api.auth, ...form.headers }, payload: form.payload }), 'invalid_request');
    expectError(await json(api, 'GET', '/v1/faces?limit=0'), 'invalid_request');
    expectError(await json(api, 'GET', '/v1/faces?cursor=not-a-cursor-we-made'), 'invalid_request');
    expect((await json(api, 'POST', '/v1/faces/register', { person_id: 'x', images: [portrait] })).statusCode).toBe(201);
    expectError(await json(api, 'PUT', '/v1/faces/x', { replace: true }), 'invalid_request');
    expect(await g.stores.repository.get('x')).toMatchObject({ embeddings: [expect.anything()] });
  });

  it('answers 401 unauthorized without a key or with a wrong one, on the gallery routes', async () => {
    const { api } = g;
    for (const headers of [{}, { 'x-api-key': 'wrong-secret-0123456789abcdef' }, { 'x-api-key': TEST_KEY.id }]) {
      expectError(await api.inject({ method: 'GET', url: '/v1/faces', headers }), 'unauthorized');
      expectError(await api.inject({ method: 'POST', url: '/v1/faces/register', headers, payload: { person_id: 'y', images: [b64(readPortrait(ADA))] } }), 'unauthorized');
      expectError(await api.inject({ method: 'DELETE', url: '/v1/faces/x', headers }), 'unauthorized');
    }
    expect(await g.stores.repository.get('y')).toBeNull();
  });

  it('answers 404 person_not_found and session_not_found', async () => {
    const { api } = g;
    expect(expectError(await json(api, 'GET', '/v1/faces/nobody'), 'person_not_found').details).toEqual({ personId: 'nobody' });
    expectError(await json(api, 'PUT', '/v1/faces/nobody', { name: 'N' }), 'person_not_found');
    expectError(await json(api, 'POST', '/v1/faces/verify', { image: b64(readPortrait(ADA)), person_id: 'nobody' }), 'person_not_found');
    expectError(await json(api, 'POST', '/v1/enrollments/no-such-session/images', { images: [b64(readPortrait(ADA))] }), 'session_not_found');
    expectError(await json(api, 'DELETE', '/v1/enrollments/no-such-session'), 'session_not_found');
  });

  it('answers 422 face_not_detected, multiple_faces and poor_quality (with the reason) when no photo is usable', async () => {
    const { api } = g;
    const none = expectError(await json(api, 'POST', '/v1/faces/register', { person_id: 'z', images: [b64(await noisePng(300, 300))] }), 'face_not_detected');
    expect(none.details).toMatchObject({ index: 0 });
    const two = await groupPhoto([await portraitTile(readPortrait(ADA), 200), await portraitTile(readPortrait(BOB), 200)], 2, 200, 40);
    expect(expectError(await json(api, 'POST', '/v1/faces/register', { person_id: 'z', images: [b64(two.image)] }), 'multiple_faces').details).toMatchObject({ faces: 2 });
    const blurred = await sharp(readPortrait(ADA)).blur(8).jpeg().toBuffer();
    expect(expectError(await json(api, 'POST', '/v1/faces/register', { person_id: 'z', images: [b64(blurred)] }), 'poor_quality').details).toMatchObject({ reason: 'too_blurry' });
    expect(expectError(await json(api, 'POST', '/v1/faces/verify', { image: b64(blurred), person_id: 'x' }), 'poor_quality').details).toMatchObject({ reason: 'too_blurry' });
    expectError(await json(api, 'POST', '/v1/faces/verify', { image: b64(await noisePng(300, 300)), person_id: 'x' }), 'face_not_detected');
    const empty = bodyOf<{ session_id: string }>(await json(api, 'POST', '/v1/enrollments', { person_id: 'z' }));
    expectError(await json(api, 'POST', `/v1/enrollments/${empty.session_id}/commit`, {}), 'face_not_detected');
    expect(await g.stores.repository.get('z')).toBeNull();
  });

  it('answers 415 image_decode_error and 413 payload_too_large on registration', async () => {
    const { api } = g;
    expectError(await json(api, 'POST', '/v1/faces/register', { person_id: 'z', images: [b64(Buffer.from('not an image at all'))] }), 'image_decode_error');
    const form = new FormData();
    form.append('person_id', 'z');
    for (let i = 0; i < 11; i += 1) form.append('image', new Blob([readPortrait(ADA)], { type: 'image/jpeg' }), `${i}.jpg`);
    const encoded = new Response(form);
    const payload = Buffer.from(await encoded.arrayBuffer());
    expectError(
      await api.inject({ method: 'POST', url: '/v1/faces/register', headers: { ...api.auth, 'content-type': encoded.headers.get('content-type') ?? '' }, payload }),
      'payload_too_large',
    );
    expectError(await json(api, 'POST', '/v1/faces/register', { person_id: 'z', images: Array(11).fill(b64(readPortrait(ADA))) }), 'invalid_request');
  });

  it('answers 409 person_exists and 422 session_full', async () => {
    const { api } = g;
    expectError(await json(api, 'POST', '/v1/faces/register', { person_id: 'x', images: [b64(readPortrait(BOB))] }), 'person_exists');
    const session = bodyOf<{ session_id: string }>(await json(api, 'POST', '/v1/enrollments', { person_id: 'full' }));
    expect((await json(api, 'POST', `/v1/enrollments/${session.session_id}/images`, { images: [b64(readPortrait(BOB))] })).statusCode).toBe(200);
    const full = expectError(await json(api, 'POST', `/v1/enrollments/${session.session_id}/images`, { images: [b64(readOtherPhoto(BOB))] }), 'session_full');
    expect(full.details).toMatchObject({ maxCandidates: 1 });
  });

  it('writes one audit line per register, update and delete: person, key id, request id; never a secret, image or embedding', async () => {
    const { api } = g;
    const portrait = b64(readPortrait(CY));
    await api.inject({ method: 'POST', url: '/v1/faces/register', headers: { ...api.auth, 'x-request-id': 'audit-1' }, payload: { person_id: 'audited', images: [portrait] } });
    await api.inject({ method: 'PUT', url: '/v1/faces/audited', headers: { ...api.auth, 'x-request-id': 'audit-2' }, payload: { name: 'A' } });
    await api.inject({ method: 'DELETE', url: '/v1/faces/audited', headers: { ...api.auth, 'x-request-id': 'audit-3' } });
    const audits = api.logs.filter((line) => line.msg === 'audit' && line.personId === 'audited');
    expect(audits.map((l) => ({ audit: l.audit, keyId: l.keyId, requestId: l.requestId }))).toEqual([
      { audit: 'person.register', keyId: TEST_KEY.id, requestId: 'audit-1' },
      { audit: 'person.update', keyId: TEST_KEY.id, requestId: 'audit-2' },
      { audit: 'person.delete', keyId: TEST_KEY.id, requestId: 'audit-3' },
    ]);
    const everything = api.rawLogs.join('\n');
    expect(everything).not.toContain(TEST_KEY.secret);
    expect(everything).not.toContain(portrait.slice(100, 160));
    expect(everything).not.toMatch(/embedding|vector/i);
  });

  it('documents every gallery route in a valid OpenAPI 3 document', async () => {
    const doc = bodyOf<{ paths: Record<string, Record<string, unknown>> }>(await json(g.api, 'GET', '/v1/openapi.json'));
    expect(await validateOpenApi(structuredClone(doc) as unknown as Parameters<typeof validateOpenApi>[0])).toMatchObject({ valid: true });
    const register = doc.paths['/v1/faces/register']?.post as { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } };
    expect(register.requestBody.content['multipart/form-data']?.schema.properties.image).toMatchObject({ anyOf: [{ type: 'string', format: 'binary' }, { type: 'array' }] });
    expect(Object.keys(doc.paths).sort()).toEqual(
      expect.arrayContaining(['/v1/faces', '/v1/faces/register', '/v1/faces/verify', '/v1/faces/{person_id}', '/v1/enrollments', '/v1/enrollments/{session_id}/images', '/v1/enrollments/{session_id}/commit', '/v1/enrollments/{session_id}']),
    );
    expect(Object.keys(doc.paths['/v1/faces/{person_id}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
  });
});
