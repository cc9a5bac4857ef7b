import { PersonNotFound } from '../../gallery-errors';
import type { PersonRepository } from '../../ports/person-repository';
import { noWriteListener, type GalleryWriteListener } from './person-writes';

/** Removes a person from the store of record (every copy) and from this replica's index; PersonNotFound when unknown. */
export class DeletePerson {
  constructor(
    private readonly repository: PersonRepository,
    private readonly listener: GalleryWriteListener = noWriteListener,
  ) {}

  async execute(personId: string): Promise<void> {
    if (!(await this.repository.delete(personId))) throw new PersonNotFound(personId);
    this.listener.personDeleted(personId);
  }
}
