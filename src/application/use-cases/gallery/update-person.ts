import type { PersonMetadata } from '../../../domain/person';
import type { PersonRepository } from '../../ports/person-repository';
import { PersonNotFound } from '../../gallery-errors';
import { requireSomeAccepted, storedEmbedding, type GalleryImages, type ImageWorkCall } from './gallery-images';
import { changePerson, noWriteListener, type GalleryWriteListener } from './person-writes';
import type { EnrolmentResult } from './register-person';

export interface UpdatePersonCommand {
  readonly personId: string;
  /** A new name; null clears it; absent keeps it. */
  readonly name?: string | null;
  /** New metadata (replaces the old); absent keeps it. */
  readonly metadata?: PersonMetadata;
  /** Photos to enrol: added to the person's, or instead of them with `replace`. */
  readonly images?: readonly Uint8Array[];
  readonly replace?: boolean;
}

/**
 * Changes a person: adds photos (or replaces them all), renames, sets
 * metadata. The photos are analysed once, before the write; the write is a
 * read-modify-write retried on a VersionConflict, so two concurrent updates
 * both land.
 */
export class UpdatePerson {
  constructor(
    private readonly repository: PersonRepository,
    private readonly images: GalleryImages,
    private readonly listener: GalleryWriteListener = noWriteListener,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(command: UpdatePersonCommand, call: ImageWorkCall = {}): Promise<EnrolmentResult> {
    // Unknown ids fail before any inference.
    if ((await this.repository.get(command.personId)) === null) throw new PersonNotFound(command.personId);
    const photos = command.images ?? [];
    const faces = await this.images.enrolmentFaces(photos, call);
    if (photos.length > 0) requireSomeAccepted(faces);
    const added = faces.accepted.map(storedEmbedding);
    const person = await changePerson(this.repository, command.personId, (current) => ({
      ...current,
      name: command.name !== undefined ? command.name : current.name,
      metadata: command.metadata ?? current.metadata,
      embeddings: command.replace === true && added.length > 0 ? added : [...current.embeddings, ...added],
      updatedAt: this.now().toISOString(),
    }));
    this.listener.personWritten(person);
    return { person, enrolled: added.length, rejected: faces.rejected };
  }
}
