/**
 * The gallery's real stores for tests: encrypted person files under a fresh
 * temporary DATA_DIR with in-memory enrolment sessions (embedded mode), or a
 * real redis-server (Redis mode).
 *
 *   const stores = await openGalleryStores('embedded');
 *   … stores.repository, stores.sessions …
 *   await stores.close();   // removes the directory / stops the server
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EnrollmentSessionStore } from '../../src/application/ports/enrollment-sessions';
import type { PersonRepository } from '../../src/application/ports/person-repository';
import { createGalleryStore } from '../../src/composition/gallery-store';
import { loadConfig } from '../../src/infrastructure/config/config';
import { formatKey, generateKey, keyringOf, type GalleryKey } from '../../src/infrastructure/store/encryption-keys';
import { FilePersonRepository } from '../../src/infrastructure/store/file-person-repository';
import { MemoryEnrollmentSessions } from '../../src/infrastructure/store/memory-enrollment-sessions';
import { AesGcmSealer } from '../../src/infrastructure/store/record-sealer';
import { startRedisServer, type RedisServer } from './redis-server';

export type StoreMode = 'embedded' | 'redis';

export interface GalleryStores {
  readonly mode: StoreMode;
  readonly repository: PersonRepository;
  readonly sessions: EnrollmentSessionStore;
  /** The encryption key the records are sealed with. */
  readonly key: GalleryKey;
  /** Embedded mode: the directory of the person files. */
  readonly dir?: string;
  /** Redis mode: the server, to stop and start it. */
  readonly redis?: RedisServer;
  /** The same stores opened again (a restart of the service): the same directory or server, the same key unless another is given. */
  reopen(key?: GalleryKey): Promise<GalleryStores>;
  /** Closes connections; `dispose` also removes the directory or stops the server. */
  close(options?: { readonly dispose?: boolean }): Promise<void>;
}

export async function openGalleryStores(mode: StoreMode): Promise<GalleryStores> {
  const key = generateKey('test-key');
  if (mode === 'redis') return openRedis(await startRedisServer(), key);
  const dir = await mkdtemp(join(tmpdir(), 'gallery-store-'));
  return openEmbedded(dir, key);
}

/** The service's own Redis store (createGalleryStore) on `redis`, sealed with `key`. */
async function openRedis(redis: RedisServer, key: GalleryKey): Promise<GalleryStores> {
  const store = await createGalleryStore(loadConfig({ REDIS_URL: redis.url, GALLERY_ENCRYPTION_KEY: formatKey(key), LOG_LEVEL: 'warn' }), {
    connectionName: 'test:gallery-api',
  });
  return {
    mode: 'redis',
    repository: store.repository,
    sessions: store.sessions,
    key,
    redis,
    reopen: (other) => openRedis(redis, other ?? key),
    close: async (options = { dispose: true }) => {
      await store.close();
      if (options.dispose !== false) await redis.dispose();
    },
  };
}

async function openEmbedded(dir: string, key: GalleryKey): Promise<GalleryStores> {
  const repository = await FilePersonRepository.open(join(dir, 'people'), new AesGcmSealer(keyringOf([key])));
  const sessions = new MemoryEnrollmentSessions();
  return {
    mode: 'embedded',
    repository,
    sessions,
    key,
    dir,
    reopen: (other) => openEmbedded(dir, other ?? key),
    close: async (options = { dispose: true }) => {
      if (options.dispose !== false) await rm(dir, { recursive: true, force: true });
    },
  };
}
