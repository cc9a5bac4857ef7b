import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidCursor, PersonExists, PersonNotFound, StorageError, VersionConflict } from '../../../../src/application/gallery-errors';
import type { GalleryChange } from '../../../../src/application/ports/person-repository';
import type { Person } from '../../../../src/domain/person';
import { generateKey, keyringOf } from '../../../../src/infrastructure/store/encryption-keys';
import { FilePersonRepository } from '../../../../src/infrastructure/store/file-person-repository';
import { vectorToBase64 } from '../../../../src/infrastructure/store/person-codec';
import { AesGcmSealer, PlainSealer } from '../../../../src/infrastructure/store/record-sealer';
import { makePerson, nextVersion } from '../../../support/people';

const collect = async (people: AsyncIterable<Person>): Promise<Person[]> => {
  const out: Person[] = [];
  for await (const person of people) out.push(person);
  return out;
};

describe('FilePersonRepository (embedded mode)', () => {
  let dir: string;
  const key = generateKey('k1');
  const sealer = new AesGcmSealer(keyringOf([key]));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'facerec-people-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores a person that a new instance (a restart) reads back exactly, and nothing personal in clear', async () => {
    const ada = makePerson('ada');
    await (await FilePersonRepository.open(dir, sealer)).create(ada);

    const restarted = await FilePersonRepository.open(dir, sealer);
    const read = await restarted.get('ada');
    expect(read).toEqual(ada);
    expect(read?.embeddings[0]?.vector).toBeInstanceOf(Float32Array);

    const raw = readFileSync(join(dir, 'ada.json'), 'utf8');
    expect(JSON.parse(raw)).toEqual(expect.objectContaining({ format: 1, id: 'ada', version: 1, keyId: 'k1' }));
    for (const secret of ['Name of ada', 'B-ada', vectorToBase64(ada.embeddings[0]?.vector ?? new Float32Array()).slice(0, 40)]) expect(raw).not.toContain(secret);
    expect(readdirSync(dir)).toEqual(['ada.json']); // no temporary file left behind
  });

  it('is create-only, replaces by version, deletes, and reports each in the change feed in order', async () => {
    const repository = await FilePersonRepository.open(dir, sealer);
    const changes: GalleryChange[] = [];
    const subscription = await repository.watch((change) => changes.push(change));
    const ada = makePerson('ada');
    await repository.create(ada);
    await expect(repository.create(makePerson('ada'))).rejects.toBeInstanceOf(PersonExists);

    const renamed = nextVersion(ada, { name: 'Ada King' });
    await expect(repository.replace(renamed, 7)).rejects.toBeInstanceOf(VersionConflict);
    await repository.replace(renamed, 1);
    expect((await repository.get('ada'))?.name).toBe('Ada King');
    await expect(repository.replace(nextVersion(renamed), 1)).rejects.toBeInstanceOf(VersionConflict);
    await expect(repository.replace(makePerson('nobody', { version: 2 }), 1)).rejects.toBeInstanceOf(PersonNotFound);

    expect(await repository.delete('ada')).toBe(true);
    expect(await repository.delete('ada')).toBe(false);
    expect(await repository.get('ada')).toBeNull();
    await subscription.close();
    await repository.create(makePerson('bob'));
    expect(changes).toEqual([
      { kind: 'upsert', personId: 'ada', version: 1 },
      { kind: 'upsert', personId: 'ada', version: 2 },
      { kind: 'delete', personId: 'ada' },
    ]);
  });

  it('lets exactly one of concurrent writers of the same version win', async () => {
    const repository = await FilePersonRepository.open(dir, sealer);
    const ada = makePerson('ada');
    await repository.create(ada);
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => repository.replace(nextVersion(ada, { name: `writer ${n}` }), 1)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason)).toEqual([
      expect.any(VersionConflict),
      expect.any(VersionConflict),
      expect.any(VersionConflict),
    ]);
    const creates = await Promise.allSettled([1, 2, 3].map(() => repository.create(makePerson('bob'))));
    expect(creates.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  });

  it('pages in id order with an opaque cursor, and iterates everyone', async () => {
    const repository = await FilePersonRepository.open(dir, sealer);
    const ids = ['carol', 'Bob', 'ada', 'dave', 'eve-2', 'eve.1', 'x@y:z'];
    for (const id of ids) await repository.create(makePerson(id, {}, 1));
    const sorted = [...ids].sort();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await repository.list(3, cursor);
      seen.push(...page.people.map((p) => p.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(seen).toEqual(sorted);
    expect(pages).toBe(3);
    expect((await collect(repository.all())).map((p) => p.id)).toEqual(sorted);
    await expect(repository.list(3, 'not a cursor!')).rejects.toBeInstanceOf(InvalidCursor);
    expect(await repository.list(10, null)).toEqual(expect.objectContaining({ nextCursor: null }));
  });

  it('refuses records it cannot decrypt with a StorageError naming the key id', async () => {
    await (await FilePersonRepository.open(dir, sealer)).create(makePerson('ada'));
    const otherKey = await FilePersonRepository.open(dir, new AesGcmSealer(keyringOf([generateKey('k2')])));
    await expect(otherKey.get('ada')).rejects.toThrow("person 'ada'");
    await expect(otherKey.get('ada')).rejects.toThrow(/encrypted with key 'k1', which is not configured/);
    const sameIdWrongKey = await FilePersonRepository.open(dir, new AesGcmSealer(keyringOf([generateKey('k1')])));
    await expect(collect(sameIdWrongKey.all())).rejects.toThrow(/cannot be decrypted with key 'k1'/);
    const off = await FilePersonRepository.open(dir, new PlainSealer());
    await expect(off.get('ada')).rejects.toBeInstanceOf(StorageError);
  });

  it('refuses a record whose clear version was rolled back (the version is authenticated)', async () => {
    const repository = await FilePersonRepository.open(dir, sealer);
    const ada = makePerson('ada');
    await repository.create(ada);
    await repository.replace(nextVersion(ada), 1);
    const path = join(dir, 'ada.json');
    const record = JSON.parse(readFileSync(path, 'utf8')) as { version: number };
    writeFileSync(path, JSON.stringify({ ...record, version: 1 }));
    await expect(repository.get('ada')).rejects.toThrow(/cannot be decrypted with key 'k1': the key is wrong or the record was altered/);
    writeFileSync(path, '{ not json');
    await expect(repository.get('ada')).rejects.toThrow("person 'ada' (" + path + ') is malformed: not a person record');
  });
});
