import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError } from '../../../src/application/gallery-errors';
import { GalleryIndexSync, indexedIdentityOf } from '../../../src/application/services/gallery-index-sync';
import { fuseEmbeddings } from '../../../src/domain/embedding';
import type { Person } from '../../../src/domain/person';
import { generateKey, keyringOf } from '../../../src/infrastructure/store/encryption-keys';
import { FilePersonRepository } from '../../../src/infrastructure/store/file-person-repository';
import { AesGcmSealer } from '../../../src/infrastructure/store/record-sealer';
import { MapIdentityIndex } from '../../support/map-identity-index';
import { makePerson, nextVersion } from '../../support/people';

const quiet = { info: () => undefined, warn: () => undefined };

/** What the index should hold for the store's current people: id → [name, embeddings, template]. */
async function expectIndexMatchesStore(index: MapIdentityIndex, repository: FilePersonRepository): Promise<void> {
  const expected: Record<string, unknown> = {};
  for await (const person of repository.all()) {
    const identity = indexedIdentityOf(person);
    if (identity) expected[person.id] = [identity.name, identity.embeddings, Array.from(identity.template)];
  }
  const held: Record<string, unknown> = {};
  for (const identity of index.identities.values()) held[identity.id] = [identity.name, identity.embeddings, Array.from(identity.template)];
  expect(held).toEqual(expected);
}

describe('GalleryIndexSync (with the real file store)', () => {
  let dir: string;
  let repository: FilePersonRepository;
  const sealer = new AesGcmSealer(keyringOf([generateKey('k1')]));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'facerec-sync-'));
    repository = await FilePersonRepository.open(dir, sealer);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads everyone with their template, the normalised mean of their embeddings; people without embeddings are not searchable', async () => {
    const ada = makePerson('ada', {}, 3);
    await repository.create(ada);
    await repository.create(makePerson('bob', {}, 1));
    await repository.create(makePerson('empty', {}, 0));
    const index = new MapIdentityIndex();
    const sync = new GalleryIndexSync(repository, index, quiet);
    expect(await sync.start()).toEqual({ identities: 3, ms: expect.any(Number) });
    expect(index.size).toEqual({ identities: 2, embeddings: 4 });
    expect(Array.from(index.get('ada')?.template ?? [])).toEqual(Array.from(fuseEmbeddings(ada.embeddings.map((e) => e.vector))));
    expect(index.get('ada')?.name).toBe(ada.name);
    expect(index.get('empty')).toBeUndefined();
    await sync.stop();
  });

  it('misses no write made while it loads (watch first, then load), and follows live changes', async () => {
    const people: Person[] = [];
    for (let i = 0; i < 40; i += 1) {
      const person = makePerson(`p${String(i).padStart(2, '0')}`, {}, 1);
      people.push(person);
      await repository.create(person);
    }
    const index = new MapIdentityIndex();
    const sync = new GalleryIndexSync(repository, index, quiet);
    // Writes race the load: new people, updates (new embeddings) and deletes.
    const writes = (async () => {
      for (let i = 0; i < 40; i += 1) {
        const person = people[i] as Person;
        if (i % 3 === 0) await repository.delete(person.id);
        else if (i % 3 === 1) await repository.replace(nextVersion(person, { embeddings: makePerson('x', {}, 2).embeddings, name: `renamed ${person.id}` }), 1);
        else await repository.create(makePerson(`new-${person.id}`, {}, 2));
      }
    })();
    await Promise.all([sync.start(), writes]);
    await sync.idle();
    await expectIndexMatchesStore(index, repository);

    const live = makePerson('zed', {}, 2);
    await repository.create(live);
    await sync.idle();
    expect(index.get('zed')?.embeddings).toBe(2);
    await repository.replace(nextVersion(live, { embeddings: live.embeddings.slice(0, 1) }), 1);
    await sync.idle();
    expect(index.get('zed')?.embeddings).toBe(1);
    await repository.delete('zed');
    await sync.idle();
    expect(index.get('zed')).toBeUndefined();
    await expectIndexMatchesStore(index, repository);

    await sync.stop();
    await repository.create(makePerson('after-stop'));
    await sync.idle();
    expect(index.get('after-stop')).toBeUndefined();
  });

  it('refuses to start on a record it cannot decrypt, naming the key, and follows nothing then', async () => {
    await repository.create(makePerson('ada'));
    const otherKey = await FilePersonRepository.open(dir, new AesGcmSealer(keyringOf([generateKey('k2')])));
    const index = new MapIdentityIndex();
    const sync = new GalleryIndexSync(otherKey, index, quiet);
    const failure = sync.start();
    await expect(failure).rejects.toBeInstanceOf(StorageError);
    await expect(failure).rejects.toThrow("encrypted with key 'k1', which is not configured");
    await otherKey.delete('ada');
    await otherKey.create(makePerson('bob'));
    expect(index.size.identities).toBe(0);
  });
});
