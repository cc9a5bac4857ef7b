import { isValidPersonId, type Person } from '../../../domain/person';
import { PersonExists } from '../../gallery-errors';
import type { PersonRepository } from '../../ports/person-repository';
import type { EnrollmentRequest } from '../enroll-identities';
import { storedEmbedding, type GalleryImages } from './gallery-images';
import { changePerson, noWriteListener, type GalleryWriteListener } from './person-writes';

export interface SeedReport {
  /** People created or brought up to date. */
  readonly seeded: number;
  /** Photos that gave no enrolment face, and people who could not be seeded (`photo` null). */
  readonly rejected: ReadonlyArray<{ readonly id: string; readonly photo: number | null; readonly reason: string }>;
}

/**
 * Seeds the gallery from GALLERY_DIR at start-up, as an upsert: each person
 * of the folder is created, or, if already stored, gets the folder's name and
 * the folder's photos as their embeddings (what was enrolled for them through
 * the API is replaced: the folder is the source of truth for its people).
 * People of the store absent from the folder are left alone. Photos follow
 * the enrolment rule (exactly one face passing the quality gate). Replicas
 * starting together may seed at once: creation falls back to update, and
 * updates retry on VersionConflict.
 */
export class SeedGallery {
  constructor(
    private readonly repository: PersonRepository,
    private readonly images: GalleryImages,
    private readonly listener: GalleryWriteListener = noWriteListener,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(people: readonly EnrollmentRequest[]): Promise<SeedReport> {
    let seeded = 0;
    const rejected: Array<{ id: string; photo: number | null; reason: string }> = [];
    for (const request of people) {
      if (!isValidPersonId(request.id)) {
        rejected.push({ id: request.id, photo: null, reason: 'invalid_person_id' });
        continue;
      }
      const faces = await this.images.enrolmentFaces(request.photos);
      for (const refusal of faces.rejected) rejected.push({ id: request.id, photo: refusal.index, reason: `${refusal.code}: ${refusal.reason}` });
      if (faces.accepted.length === 0) continue;
      const person = await this.upsert(request, faces.accepted.map(storedEmbedding));
      this.listener.personWritten(person);
      seeded += 1;
    }
    return { seeded, rejected };
  }

  private async upsert(request: EnrollmentRequest, embeddings: Person['embeddings']): Promise<Person> {
    const at = this.now().toISOString();
    if ((await this.repository.get(request.id)) === null) {
      const person: Person = { id: request.id, name: request.name, metadata: {}, embeddings, createdAt: at, updatedAt: at, version: 1 };
      try {
        await this.repository.create(person);
        return person;
      } catch (error) {
        if (!(error instanceof PersonExists)) throw error;
      }
    }
    return changePerson(this.repository, request.id, (current) => ({ ...current, name: request.name, embeddings, updatedAt: at }));
  }
}
