import { performance } from 'node:perf_hooks';
import type { EnrollmentSessionStore } from '../application/ports/enrollment-sessions';
import type { IdentityIndex } from '../application/ports/identity-index';
import type { PersonRepository } from '../application/ports/person-repository';
import { AdmissionGate } from '../application/services/admission-gate';
import { GalleryIndexSync, indexedIdentityOf } from '../application/services/gallery-index-sync';
import { TOKENS } from '../application/tokens';
import type { AnalyzeFaces } from '../application/use-cases/analyze-faces';
import type { Container } from 'inversify';
import { DeletePerson } from '../application/use-cases/gallery/delete-person';
import {
  AbandonEnrollment,
  AddEnrollmentImages,
  CommitEnrollment,
  OpenEnrollment,
  type EnrollmentSessionOptions,
} from '../application/use-cases/gallery/enrollment-sessions';
import { GalleryImages } from '../application/use-cases/gallery/gallery-images';
import type { GalleryUseCases } from '../application/use-cases/gallery/gallery-use-cases';
import { GetPerson, ListPeople } from '../application/use-cases/gallery/get-person';
import type { GalleryWriteListener } from '../application/use-cases/gallery/person-writes';
import { RegisterPerson } from '../application/use-cases/gallery/register-person';
import { SeedGallery } from '../application/use-cases/gallery/seed-gallery';
import { UpdatePerson } from '../application/use-cases/gallery/update-person';
import { VerifyFace, type VerifyFaceOptions } from '../application/use-cases/gallery/verify-face';
import type { QualityPolicy } from '../domain/quality';
import type { Config } from '../infrastructure/config/config';
import { readGalleryFolder } from '../infrastructure/gallery/folder-gallery';
import type { AppLogger } from '../infrastructure/logging/logger';
import { createGalleryStore, type GalleryStore } from './gallery-store';
import { analyzeFacesOptions } from './pipeline';

export interface GalleryParts {
  /** The stream's own AnalyzeFaces: the gallery's images run on the same inference workers. */
  readonly analyze: AnalyzeFaces;
  /** The API's admission gate (shared with detect): bounded on-demand work beside the stream. */
  readonly gate: AdmissionGate;
  readonly quality: QualityPolicy;
  readonly repository: PersonRepository;
  readonly sessions: EnrollmentSessionStore;
  /** This replica's search index (kept current by the change feed; this replica's own writes land in it at once too). */
  readonly index: IdentityIndex;
  readonly thresholds: VerifyFaceOptions;
  readonly enrollment: EnrollmentSessionOptions;
}

/** Applies this replica's own writes to its index at once (the change feed brings everyone's, this one's included, a moment later). */
export const indexWriter = (index: IdentityIndex): GalleryWriteListener => ({
  personWritten: (person) => {
    const identity = indexedIdentityOf(person);
    if (identity !== null) index.upsert(identity);
    else index.remove(person.id);
  },
  personDeleted: (personId) => {
    index.remove(personId);
  },
});

/** The gallery's use cases over the given stores and index. */
export function createGalleryUseCases(parts: GalleryParts): GalleryUseCases & { readonly seedGallery: SeedGallery } {
  const images = new GalleryImages(parts.analyze, parts.gate, parts.quality);
  const written = indexWriter(parts.index);
  return {
    registerPerson: new RegisterPerson(parts.repository, images, written),
    updatePerson: new UpdatePerson(parts.repository, images, written),
    deletePerson: new DeletePerson(parts.repository, written),
    getPerson: new GetPerson(parts.repository),
    listPeople: new ListPeople(parts.repository),
    verifyFace: new VerifyFace(parts.repository, parts.index, images, parts.thresholds),
    openEnrollment: new OpenEnrollment(parts.sessions, parts.enrollment),
    addEnrollmentImages: new AddEnrollmentImages(parts.sessions, images, parts.enrollment),
    commitEnrollment: new CommitEnrollment(parts.sessions, parts.repository, parts.enrollment, written),
    abandonEnrollment: new AbandonEnrollment(parts.sessions),
    seedGallery: new SeedGallery(parts.repository, images, written),
  };
}

/** The gallery of a running service: its store, the index kept in step with it, and the use cases of the API. */
export interface RunningGallery {
  readonly store: GalleryStore;
  /** The API's use cases, on the API's admission gate. */
  useCases(gate: AdmissionGate): GalleryUseCases;
  /**
   * Loads the store into the pipeline's index, follows its change feed
   * (GalleryIndexSync), then seeds GALLERY_DIR as an upsert. Waits for the
   * store (a Redis outage at start-up delays it, like the consumer group).
   */
  load(): Promise<void>;
  /** Stops following the change feed and closes the store; gives up waiting after CLOSE_WAIT_MS (an unreachable Redis). */
  close(): Promise<void>;
}

/** Longest wait for the gallery's connections to close at shutdown: an unreachable Redis must not hold the exit. */
const CLOSE_WAIT_MS = 2_000;

/**
 * Opens the gallery's store of record (Redis, or files under DATA_DIR): no
 * round trip yet, so the HTTP server can listen before the store answers.
 * `load()` then fills the index the stream matches against, so a person
 * enrolled through any replica is recognised in every replica's frames.
 * Throws ConfigError for a missing encryption key in Redis mode or an
 * unusable DATA_DIR; load() throws StorageError for records this replica
 * cannot decrypt: a clear start-up failure rather than a service that
 * silently misses people.
 */
export async function openGallery(config: Config, container: Container, logger: AppLogger, connectionName: string): Promise<RunningGallery> {
  const store = await createGalleryStore(config, { connectionName, logger });
  logger.info('gallery store opened', { mode: store.mode, encryption: store.encryption.source, keyIds: store.encryption.keyIds });
  const index = container.get<IdentityIndex>(TOKENS.IdentityIndex);
  const sync = new GalleryIndexSync(store.repository, index, logger);
  const analyze = container.get<AnalyzeFaces>(TOKENS.AnalyzeFaces);
  const parts = (gate: AdmissionGate): GalleryParts => ({
    analyze,
    gate,
    quality: analyzeFacesOptions(config).quality,
    repository: store.repository,
    sessions: store.sessions,
    index,
    thresholds: { verificationThreshold: config.MATCH_THRESHOLD, identificationThreshold: config.IDENTIFY_THRESHOLD },
    enrollment: { ttlMs: store.sessionTtlMs, maxCandidates: config.ENROLLMENT_MAX_FACES, commitFaces: config.ENROLLMENT_COMMIT_FACES },
  });

  const seedFrom = async (galleryDir: string): Promise<void> => {
    // Before the stream starts: seeding has the inference workers to itself, one person at a time.
    const seeding = createGalleryUseCases(parts(new AdmissionGate({ maxConcurrent: 1, maxQueued: 0 }))).seedGallery;
    const report = await seeding.execute(await readGalleryFolder(galleryDir));
    for (const rejected of report.rejected) logger.warn('gallery photo not enrolled', rejected);
    logger.info('gallery enrolled', { identities: report.seeded, rejectedPhotos: report.rejected.length, galleryDir });
  };

  return {
    store,
    useCases: (gate) => createGalleryUseCases(parts(gate)),
    load: async () => {
      const loaded = await sync.start();
      logger.info('gallery loaded', { identities: loaded.identities, ms: loaded.ms });
      if (config.GALLERY_DIR) await seedFrom(config.GALLERY_DIR);
      const started = performance.now();
      index.prepare?.();
      logger.info('identity index ready', { identities: index.size.identities, ms: Math.round(performance.now() - started) });
    },
    close: async () => {
      let timer: NodeJS.Timeout | undefined;
      const closed = (async () => {
        await sync.stop();
        await store.close();
      })();
      const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_WAIT_MS)));
      const outcome = await Promise.race([closed.then(() => 'closed' as const), gaveUp]);
      clearTimeout(timer);
      if (outcome === 'timeout') logger.warn('the gallery store did not close in time; leaving its connections to the exit', { waitedMs: CLOSE_WAIT_MS });
    },
  };
}
