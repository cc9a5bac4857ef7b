import type { GalleryChange } from '../../../src/application/ports/person-repository';
import { StorageError } from '../../../src/application/gallery-errors';
import { createGalleryStore, type GalleryStore } from '../../../src/composition/gallery-store';
import { loadConfig } from '../../../src/infrastructure/config/config';
import { clusterSlot } from '../../../src/infrastructure/redis/redis-keys';
import { formatKey, generateKey } from '../../../src/infrastructure/store/encryption-keys';
import { enrollmentSessionKey, galleryChangesKey, peopleIndexKey, personKey } from '../../../src/infrastructure/store/gallery-redis-keys';
import { makePerson, nextVersion, randomVector } from '../../support/people';
import { startRedisCluster, type RedisCluster } from '../../support/redis-cluster';
import { waitFor } from '../redis/redis-test-kit';

/**
 * The gallery store on a real Redis Cluster (3 masters + 3 replicas): every
 * gallery key in one slot (the {gallery} hash tag), so its Lua scripts,
 * pipelines and the change feed work as on one node.
 */

jest.setTimeout(180_000);

describe('the gallery store on a Redis Cluster', () => {
  let cluster: RedisCluster;
  const stores: GalleryStore[] = [];
  const key = formatKey(generateKey('cluster-key'));

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await cluster?.dispose();
  });

  const open = async (env: Record<string, string> = {}): Promise<GalleryStore> => {
    const store = await createGalleryStore(loadConfig({ REDIS_URL: cluster.seedUrl, REDIS_CLUSTER: 'true', GALLERY_ENCRYPTION_KEY: key, ...env }), {
      connectionName: 'test:cluster-gallery',
    });
    stores.push(store);
    return store;
  };

  it('keeps every gallery key in one slot, as the servers compute it', async () => {
    const keys = [personKey('ada'), personKey('zed-99'), peopleIndexKey, galleryChangesKey, enrollmentSessionKey('00000000-0000-0000-0000-000000000000')];
    const slots = await Promise.all(keys.map((k) => cluster.slotOf(k)));
    expect(new Set(slots).size).toBe(1);
    expect(slots[0]).toBe(clusterSlot('{gallery}'));
  });

  it('writes, pages, follows and purges across two instances, and keeps enrolment sessions', async () => {
    const [writer, reader] = [await open(), await open()];
    const changes: GalleryChange[] = [];
    const subscription = await reader.repository.watch((change) => changes.push(change));

    const ada = makePerson('ada');
    await writer.repository.create(ada);
    await writer.repository.replace(nextVersion(ada, { name: 'Ada King' }), 1);
    for (let i = 0; i < 12; i += 1) await writer.repository.create(makePerson(`p${String(i).padStart(2, '0')}`, {}, 1));
    expect(await writer.repository.delete('p03')).toBe(true);

    const restarted = await open();
    expect((await restarted.repository.get('ada'))?.name).toBe('Ada King');
    const first = await restarted.repository.list(5, null);
    const second = await restarted.repository.list(100, first.nextCursor);
    expect([...first.people, ...second.people].map((p) => p.id)).toEqual(['ada', 'p00', 'p01', 'p02', 'p04', 'p05', 'p06', 'p07', 'p08', 'p09', 'p10', 'p11']);
    expect(second.nextCursor).toBeNull();

    await waitFor(() => changes.length >= 15, 20_000, '15 changes');
    expect(changes.slice(0, 2)).toEqual([
      { kind: 'upsert', personId: 'ada', version: 1 },
      { kind: 'upsert', personId: 'ada', version: 2 },
    ]);
    expect(changes[14]).toEqual({ kind: 'delete', personId: 'p03' });
    await subscription.close();

    const session = await writer.sessions.open('bob', 60_000);
    const candidate = { vector: randomVector(), quality: { faceSize: 90, sharpness: 20, yaw: 1 }, createdAt: new Date().toISOString(), score: 0.7 };
    await writer.sessions.add(session.id, [candidate], 5);
    expect((await reader.sessions.get(session.id))?.candidates).toEqual([candidate]);
    expect(await reader.sessions.close(session.id)).toBe(true);
  });

  // Last: it kills a master.
  it('confirms each write on the replicas: an acknowledged person survives the failover of its master, an unconfirmed write is reported', async () => {
    const store = await open({ REDIS_WAIT_TIMEOUT_MS: '500' });
    const survivor = makePerson('survivor');
    await store.repository.create(survivor);

    const master = await cluster.masterOf(personKey('survivor'));
    await cluster.stallReplication(master);
    const unconfirmed = store.repository.create(makePerson('unconfirmed'));
    await expect(unconfirmed).rejects.toBeInstanceOf(StorageError);
    await expect(unconfirmed).rejects.toThrow("gallery create of 'unconfirmed' is not confirmed on the replicas (it may be lost if the master fails now)");

    await cluster.killMaster(master);
    // The same client (it knows every node; the seed node may be the one killed) reads from the promoted replica.
    expect(await store.repository.get('survivor')).toEqual(survivor);
  });
});
