import type { EnrollmentSessionStore } from '../application/ports/enrollment-sessions';
import type { IdentityIndex, IndexedIdentity } from '../application/ports/identity-index';
import type { PersonRepository } from '../application/ports/person-repository';
import type { AdmissionGate } from '../application/services/admission-gate';
import type { AnalyzeFaces } from '../application/use-cases/analyze-faces';
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
import { fuseEmbeddings } from '../domain/embedding';
import type { Person } from '../domain/person';
import type { QualityPolicy } from '../domain/quality';

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

/** The index entry of a person: their template is the normalised mean of their embeddings (adr/0005). */
export const indexedIdentityOf = (person: Person): IndexedIdentity => ({
  id: person.id,
  name: person.name,
  template: fuseEmbeddings(person.embeddings.map((e) => e.vector)),
  embeddings: person.embeddings.length,
});

/** Applies this replica's own writes to its index at once (the change feed brings everyone's, this one's included, a moment later). */
export const indexWriter = (index: IdentityIndex): GalleryWriteListener => ({
  personWritten: (person) => {
    if (person.embeddings.length > 0) index.upsert(indexedIdentityOf(person));
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
