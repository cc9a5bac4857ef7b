import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnrollmentSessionStore } from '../application/ports/enrollment-sessions';
import type { PersonRepository } from '../application/ports/person-repository';
import type { Config } from '../infrastructure/config/config';
import { ConfigError } from '../infrastructure/config/env-schema';
import { closeRedisConnection, createRedisConnection, type RedisClient, type RedisConnectionLogger } from '../infrastructure/redis/redis-connection';
import { FilePersonRepository } from '../infrastructure/store/file-person-repository';
import { resolveGalleryEncryption, type KeySource } from '../infrastructure/store/gallery-encryption';
import { MemoryEnrollmentSessions } from '../infrastructure/store/memory-enrollment-sessions';
import { RedisEnrollmentSessions } from '../infrastructure/store/redis-enrollment-sessions';
import { RedisPersonRepository } from '../infrastructure/store/redis-person-repository';

/** Reconnection attempts a gallery command waits through before it fails (see createRedisConnection's backoff). */
const GALLERY_COMMAND_RETRIES = 2;

export type GalleryStoreConfig = Pick<
  Config,
  | 'REDIS_URL'
  | 'REDIS_CLUSTER'
  | 'DATA_DIR'
  | 'GALLERY_ENCRYPTION'
  | 'GALLERY_ENCRYPTION_KEY'
  | 'GALLERY_ENCRYPTION_KEY_FILE'
  | 'GALLERY_CHANGES_MAXLEN'
  | 'ENROLLMENT_SESSION_TTL_S'
  | 'REDIS_WAIT_TIMEOUT_MS'
>;

export interface GalleryStoreOptions {
  /** CLIENT SETNAME prefix of the store's Redis connections, e.g. "face-recognition:host-123". */
  readonly connectionName: string;
  /** Receives Redis connection errors and the change feed's retries. */
  readonly logger?: RedisConnectionLogger;
}

export interface GalleryStore {
  readonly mode: 'redis' | 'embedded';
  readonly repository: PersonRepository;
  readonly sessions: EnrollmentSessionStore;
  /** ENROLLMENT_SESSION_TTL_S in ms, for EnrollmentSessionStore.open. */
  readonly sessionTtlMs: number;
  /** For the start-up log line: where the keys came from and their ids (never the keys). */
  readonly encryption: { readonly source: KeySource; readonly keyIds: readonly string[]; readonly keyFile?: string };
  /** Embedded mode: the directory of the person files. */
  readonly peopleDir?: string;
  /** Stops change-feed followers and closes the store's connections. */
  close(): Promise<void>;
}

/** Where embedded mode keeps the person files. */
export const peopleDirOf = (dataDir: string): string => join(dataDir, 'gallery', 'people');

/**
 * The gallery's store of record and enrolment sessions, from the
 * configuration: Redis when REDIS_URL is set (shared by every replica; the
 * connection is the store's own), else files under DATA_DIR (embedded mode,
 * one process). Throws ConfigError for an unusable DATA_DIR or missing key.
 */
export async function createGalleryStore(config: GalleryStoreConfig, options: GalleryStoreOptions): Promise<GalleryStore> {
  const sessionTtlMs = config.ENROLLMENT_SESSION_TTL_S * 1000;
  if (config.REDIS_URL === undefined) {
    await assertWritableDir(config.DATA_DIR);
    const encryption = resolveGalleryEncryption(config, config.DATA_DIR);
    const peopleDir = peopleDirOf(config.DATA_DIR);
    const repository = await FilePersonRepository.open(peopleDir, encryption.sealer);
    const sessions = new MemoryEnrollmentSessions();
    return {
      mode: 'embedded',
      repository,
      sessions,
      sessionTtlMs,
      encryption: describe(encryption),
      peopleDir,
      close: () => {
        sessions.dispose();
        return Promise.resolve();
      },
    };
  }

  const encryption = resolveGalleryEncryption(config, null);
  const url = config.REDIS_URL;
  const connect = (role: 'commands' | 'blocking', suffix: string): RedisClient =>
    createRedisConnection({
      url,
      cluster: config.REDIS_CLUSTER,
      role,
      // A gallery command serves an API request someone waits for: during an outage it fails within
      // about a second (503 storage_error, the client retries) instead of queueing for the frames' ~30 s.
      ...(role === 'commands' ? { maxRetriesPerRequest: GALLERY_COMMAND_RETRIES } : {}),
      connectionName: `${options.connectionName}:${suffix}`,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  const commands = connect('commands', 'gallery');
  const repository = new RedisPersonRepository(commands, encryption.sealer, {
    changesMaxLen: config.GALLERY_CHANGES_MAXLEN,
    connectFollower: () => connect('blocking', 'gallery-feed'),
    // On a cluster, every gallery write waits for its master's replicas (ADR 0003, 0008).
    ...(config.REDIS_CLUSTER ? { replicationTimeoutMs: config.REDIS_WAIT_TIMEOUT_MS } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    mode: 'redis',
    repository,
    sessions: new RedisEnrollmentSessions(commands, encryption.sealer),
    sessionTtlMs,
    encryption: describe(encryption),
    close: async () => {
      await repository.close();
      await closeRedisConnection(commands);
    },
  };
}

const describe = (encryption: ReturnType<typeof resolveGalleryEncryption>): GalleryStore['encryption'] => ({
  source: encryption.source,
  keyIds: encryption.keyIds,
  ...(encryption.keyFile !== undefined ? { keyFile: encryption.keyFile } : {}),
});

async function assertWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError([`DATA_DIR: cannot use ${dir} for the gallery: ${reason}`]);
  }
}
