import { isValidPersonId, type Person, type PersonMetadata } from '../../../domain/person';
import { PersonExists } from '../../gallery-errors';
import type { PersonRepository } from '../../ports/person-repository';
import { requireSomeAccepted, storedEmbedding, type GalleryImages, type ImageRejection, type ImageWorkCall } from './gallery-images';
import { InvalidPersonId } from './invalid-person-id';
import { noWriteListener, type GalleryWriteListener } from './person-writes';

export interface RegisterPersonCommand {
  readonly personId: string;
  readonly name?: string | null;
  readonly metadata?: PersonMetadata;
  readonly images: readonly Uint8Array[];
}

export interface EnrolmentResult {
  readonly person: Person;
  /** How many of the images were enrolled. */
  readonly enrolled: number;
  readonly rejected: readonly ImageRejection[];
}

/**
 * Creates a person from their photos. Create-only: an existing id is
 * PersonExists (checked before any inference, and again atomically by the
 * store). Photos that break the enrolment rule are reported, not enrolled;
 * when none is usable the first one's error is thrown and nothing is stored.
 */
export class RegisterPerson {
  constructor(
    private readonly repository: PersonRepository,
    private readonly images: GalleryImages,
    private readonly listener: GalleryWriteListener = noWriteListener,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(command: RegisterPersonCommand, call: ImageWorkCall = {}): Promise<EnrolmentResult> {
    if (!isValidPersonId(command.personId)) throw new InvalidPersonId(command.personId);
    if ((await this.repository.get(command.personId)) !== null) throw new PersonExists(command.personId);
    const faces = await this.images.enrolmentFaces(command.images, call);
    requireSomeAccepted(faces);
    const at = this.now().toISOString();
    const person: Person = {
      id: command.personId,
      name: command.name ?? null,
      metadata: command.metadata ?? {},
      embeddings: faces.accepted.map(storedEmbedding),
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    await this.repository.create(person);
    this.listener.personWritten(person);
    return { person, enrolled: faces.accepted.length, rejected: faces.rejected };
  }
}
