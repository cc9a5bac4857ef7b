import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Person } from '../../../src/domain/person';
import { createGalleryStore, peopleDirOf, type GalleryStore } from '../../../src/composition/gallery-store';
import { loadConfig } from '../../../src/infrastructure/config/config';
import { formatKey, generateKey } from '../../../src/infrastructure/store/encryption-keys';
import { personKey } from '../../../src/infrastructure/store/gallery-redis-keys';
import { vectorToBase64 } from '../../../src/infrastructure/store/person-codec';
import { cliError, ensureCliBuilt, runCli } from '../../support/cli';
import { makePerson } from '../../support/people';
import { useFlushedRedis } from '../redis/redis-test-kit';

/**
 * facerec gallery export / import (an encrypted backup: round trip, wrong
 * passphrase, truncation, existing people) and rotate-key, run as the real
 * CLI process against the embedded file store and a real redis-server.
 */

jest.setTimeout(120_000);

const PASSPHRASE = 'correct horse battery staple';
const KEY_A = formatKey(generateKey('key-a'));
const KEY_B = formatKey(generateKey('key-b'));

const collect = async (people: AsyncIterable<Person>): Promise<Person[]> => {
  const out: Person[] = [];
  for await (const person of people) out.push(person);
  return out;
};

describe('facerec gallery', () => {
  let base: string;
  const opened: GalleryStore[] = [];
  const embedded = async (dataDir: string): Promise<GalleryStore> => {
    const store = await createGalleryStore(loadConfig({ DATA_DIR: dataDir, GALLERY_ENCRYPTION_KEY: KEY_A }), { connectionName: 'test' });
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    await ensureCliBuilt();
  });
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'facerec-gallery-cli-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    rmSync(base, { recursive: true, force: true });
  });

  it('exports an encrypted backup and imports it into another gallery, exactly', async () => {
    const source = join(base, 'source');
    const people = [makePerson('ada', { name: 'Ada Lovelace' }, 3), makePerson('bob', {}, 1), makePerson('carol', { version: 4 }, 2)];
    const store = await embedded(source);
    for (const person of people) await store.repository.create(person);
    const file = join(base, 'gallery.backup');

    const exported = await runCli(['gallery', 'export', '--out', file], { DATA_DIR: source, GALLERY_ENCRYPTION_KEY: KEY_A, GALLERY_BACKUP_PASSPHRASE: PASSPHRASE });
    expect(exported).toEqual(expect.objectContaining({ code: 0 }));
    expect(JSON.parse(exported.stdout)).toEqual({ exported: 3, file });
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toContain('"format":"facerec-gallery-backup"');
    for (const secret of ['Ada Lovelace', 'B-bob', vectorToBase64(people[0]?.embeddings[0]?.vector ?? new Float32Array()).slice(0, 24)]) expect(text).not.toContain(secret);

    // Another deployment: another DATA_DIR and another gallery key; the passphrase from a file.
    const target = join(base, 'target');
    const passphraseFile = join(base, 'passphrase');
    writeFileSync(passphraseFile, `${PASSPHRASE}\n`);
    const imported = await runCli(['gallery', 'import', '--in', file, '--passphrase-file', passphraseFile], { DATA_DIR: target, GALLERY_ENCRYPTION_KEY: KEY_B });
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual(expect.objectContaining({ imported: 3, replaced: 0, skipped: [] }));
    const restored = await createGalleryStore(loadConfig({ DATA_DIR: target, GALLERY_ENCRYPTION_KEY: KEY_B }), { connectionName: 'test' });
    opened.push(restored);
    expect(await collect(restored.repository.all())).toEqual(people);
    expect(JSON.parse(readFileSync(join(peopleDirOf(target), 'ada.json'), 'utf8'))).toEqual(expect.objectContaining({ keyId: 'key-b' }));

    const again = await runCli(['gallery', 'import', '--in', file], { DATA_DIR: target, GALLERY_ENCRYPTION_KEY: KEY_B, GALLERY_BACKUP_PASSPHRASE: PASSPHRASE });
    expect(JSON.parse(again.stdout)).toEqual(expect.objectContaining({ imported: 0, replaced: 0, skipped: ['ada', 'bob', 'carol'] }));
    const replaced = await runCli(['gallery', 'import', '--in', file, '--replace'], { DATA_DIR: target, GALLERY_ENCRYPTION_KEY: KEY_B, GALLERY_BACKUP_PASSPHRASE: PASSPHRASE });
    expect(JSON.parse(replaced.stdout)).toEqual(expect.objectContaining({ imported: 0, replaced: 3 }));
    expect((await restored.repository.get('carol'))?.version).toBe(5);
  });

  it('refuses a wrong passphrase, an altered or a truncated backup, and imports nothing then', async () => {
    const source = join(base, 'source');
    const store = await embedded(source);
    for (const id of ['ada', 'bob']) await store.repository.create(makePerson(id));
    const file = join(base, 'gallery.backup');
    expect((await runCli(['gallery', 'export', '--out', file], { DATA_DIR: source, GALLERY_ENCRYPTION_KEY: KEY_A, GALLERY_BACKUP_PASSPHRASE: PASSPHRASE })).code).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n');
    const target = join(base, 'target');
    const importing = (path: string, passphrase = PASSPHRASE) =>
      runCli(['gallery', 'import', '--in', path], { DATA_DIR: target, GALLERY_ENCRYPTION_KEY: KEY_A, GALLERY_BACKUP_PASSPHRASE: passphrase });

    const wrong = await importing(file, 'not the passphrase at all');
    expect(wrong.code).toBe(1);
    expect(cliError(wrong.stderr)).toEqual(expect.objectContaining({ code: 'backup_error', message: `${file} cannot be decrypted: wrong passphrase, or the file was altered` }));

    const truncated = join(base, 'truncated.backup');
    writeFileSync(truncated, `${lines.slice(0, 2).join('\n')}\n`);
    expect(cliError((await importing(truncated)).stderr)).toEqual(expect.objectContaining({ code: 'backup_error', message: `${truncated} is truncated: its end marker is missing` }));

    const swapped = join(base, 'swapped.backup');
    writeFileSync(swapped, [lines[0], lines[2], lines[1], lines[3], ''].join('\n'));
    expect(cliError((await importing(swapped)).stderr)).toEqual(expect.objectContaining({ code: 'backup_error' }));

    const after = await embedded(target);
    expect(await collect(after.repository.all())).toEqual([]);
    const noPassphrase = await runCli(['gallery', 'export', '--out', file], { DATA_DIR: source, GALLERY_ENCRYPTION_KEY: KEY_A, GALLERY_BACKUP_PASSPHRASE: '' });
    expect(noPassphrase.code).toBe(2);
    expect(noPassphrase.stderr).toContain('set GALLERY_BACKUP_PASSPHRASE or pass --passphrase-file');
  });

  describe('in Redis mode', () => {
    const redis = useFlushedRedis();

    it('rotate-key re-encrypts every record with the first key, after which the old key can go', async () => {
      const before = await createGalleryStore(loadConfig({ REDIS_URL: redis.server.url, GALLERY_ENCRYPTION_KEY: KEY_A }), { connectionName: 'test' });
      opened.push(before);
      const people = [makePerson('ada'), makePerson('bob'), makePerson('carol')];
      for (const person of people) await before.repository.create(person);

      const rotated = await runCli(['gallery', 'rotate-key'], { REDIS_URL: redis.server.url, GALLERY_ENCRYPTION_KEY: `${KEY_B},${KEY_A}` });
      expect(rotated.code).toBe(0);
      expect(JSON.parse(rotated.stdout)).toEqual({ rotated: 3, key_id: 'key-b' });
      for (const person of people) expect((await redis.admin.hget(personKey(person.id), 'kid')) ?? '').toBe('key-b');

      const onlyNewKey = await createGalleryStore(loadConfig({ REDIS_URL: redis.server.url, GALLERY_ENCRYPTION_KEY: KEY_B }), { connectionName: 'test' });
      opened.push(onlyNewKey);
      expect(await collect(onlyNewKey.repository.all())).toEqual(people.map((p) => ({ ...p, version: 2 })));
      const oldKeyOnly = await runCli(['gallery', 'export', '--out', join(base, 'x')], { REDIS_URL: redis.server.url, GALLERY_ENCRYPTION_KEY: KEY_A, GALLERY_BACKUP_PASSPHRASE: PASSPHRASE });
      expect(cliError(oldKeyOnly.stderr)).toEqual(expect.objectContaining({ code: 'storage_error', message: "person 'ada' is encrypted with key 'key-b', which is not configured (GALLERY_ENCRYPTION_KEY holds 'key-a')" }));
    });

    it('refuses Redis mode without an encryption key with one clear configuration error', async () => {
      const refused = await runCli(['gallery', 'rotate-key'], { REDIS_URL: redis.server.url, GALLERY_ENCRYPTION_KEY: '' });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('GALLERY_ENCRYPTION_KEY: Redis mode keeps the gallery in Redis and needs an encryption key');
    });
  });
});
