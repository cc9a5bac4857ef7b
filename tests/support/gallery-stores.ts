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
import { generateKey, keyringOf, type GalleryKey } from '../../src/infrastructure/store/encryption-keys';
import { FilePersonRepository } from '../../src/infrastructure/store/file-person-repository';
import { MemoryEnrollmentSessions } from '../../src/infrastructure/store/memory-enrollment-sessions';
import { AesGcmSealer } from '../../src/infrastructure/store/record-sealer';
import type { RedisServer } from './redis-server';

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
  if (mode === 'redis') throw new Error('Redis-mode gallery stores are not available in this build');
  const dir = await mkdtemp(join(tmpdir(), 'gallery-store-'));
  return openEmbedded(dir, generateKey('test-key'));
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
