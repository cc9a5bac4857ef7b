import { mkdirSync, mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISSIMILAR_PEOPLE, readOtherPhoto, readPortrait, portraitPath } from '../../support/portraits';
import { ensureServiceBuilt, ServiceProcess, stopAllServices } from '../../support/service-process';

/**
 * The gallery of the real service process (`node dist/main.js`, embedded
 * mode) over real HTTP: GALLERY_DIR seeded into the encrypted file store,
 * a person registered through the API, both still there after a restart on
 * the same DATA_DIR; and 200 concurrent verify requests answered without a
 * 5xx other than 503 overloaded.
 */

jest.setTimeout(300_000);

const KEY = { id: 'gallery-it', secret: 'gallery-it-secret-0123456789' };
const [ADA, BOB] = DISSIMILAR_PEOPLE as [string, string];

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function call(service: ServiceProcess, method: string, path: string, body?: object): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${service.httpPort}${path}`, {
    method,
    headers: { 'x-api-key': KEY.secret, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

afterAll(async () => {
  await stopAllServices();
});

describe('the embedded service keeps its gallery', () => {
  it('seeds GALLERY_DIR, registers through the API, and has both after a restart on the same DATA_DIR', async () => {
    await ensureServiceBuilt();
    const work = mkdtempSync(join(tmpdir(), 'facerec-gallery-'));
    mkdirSync(join(work, 'input'));
    mkdirSync(join(work, 'gallery', 'Bob_Seeded'), { recursive: true });
    copyFileSync(portraitPath(BOB), join(work, 'gallery', 'Bob_Seeded', '1.jpg'));
    copyFileSync(portraitPath(ADA), join(work, 'input', 'frame.jpg'));
    const env = {
      INPUT_DIR: join(work, 'input'),
      OUTPUT_FILE: join(work, 'results.jsonl'),
      EXIT_WHEN_DONE: 'false',
      GALLERY_DIR: join(work, 'gallery'),
      DATA_DIR: join(work, 'data'),
      API_KEYS: `${KEY.id}:${KEY.secret}`,
      API_MAX_CONCURRENT: '2',
      API_MAX_QUEUED: '8',
    };

    const first = await ServiceProcess.start(env, { label: 'gallery-1' });
    await first.waitForLog('consuming frames', 180_000);
    expect(await call(first, 'GET', '/v1/faces/Bob_Seeded')).toMatchObject({ status: 200, body: { name: 'Bob Seeded', embeddings: 1 } });
    const registered = await call(first, 'POST', '/v1/faces/register', { person_id: 'ada', name: 'Ada', images: [readPortrait(ADA).toString('base64')] });
    expect(registered).toMatchObject({ status: 201, body: { person_id: 'ada', enrolled: 1 } });
    const audit = await first.waitForLog((line) => line.msg === 'audit' && line.personId === 'ada');
    expect(audit).toMatchObject({ audit: 'person.register', keyId: KEY.id, requestId: expect.any(String) });

    // 200 verify requests at once: answered, refused as overloaded, never another 5xx.
    const probe = readOtherPhoto(ADA).toString('base64');
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => call(first, 'POST', '/v1/faces/verify', i % 2 === 0 ? { image: probe } : { image: probe, person_id: 'ada' })));
    const statuses = answers.map((a) => a.status);
    const unexpected = answers.filter((a) => a.status >= 500 && !(a.status === 503 && (a.body.error as { code?: string })?.code === 'overloaded'));
    expect(unexpected).toEqual([]);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const served = answers.filter((a) => a.status === 200);
    for (const answer of served) {
      if ('match' in answer.body) expect(answer.body.match).toBe(true);
      else expect((answer.body.faces as Array<{ identity: { person_id?: string } }>)[0]?.identity.person_id).toBe('ada');
    }
    process.stderr.write(`200 concurrent verify requests (API_MAX_CONCURRENT 2, API_MAX_QUEUED 8): ${served.length} answered 200, ${statuses.length - served.length} refused 503 overloaded\n`);
    await first.terminate();

    const second = await ServiceProcess.start(env, { label: 'gallery-2' });
    await second.waitForLog('consuming frames', 180_000);
    expect(await call(second, 'GET', '/v1/faces/ada')).toMatchObject({ status: 200, body: { name: 'Ada', embeddings: 1 } });
    const identified = await call(second, 'POST', '/v1/faces/verify', { image: probe });
    expect((identified.body.faces as Array<{ identity: unknown }>)[0]?.identity).toMatchObject({ status: 'known', person_id: 'ada' });
    const people = await call(second, 'GET', '/v1/faces');
    expect((people.body.people as Array<{ person_id: string }>).map((p) => p.person_id).sort()).toEqual(['Bob_Seeded', 'ada']);
    expect((await call(second, 'DELETE', '/v1/faces/ada')).status).toBe(204);
    await second.terminate();
  });
});
