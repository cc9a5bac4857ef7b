import type { Person } from '../../../domain/person';
import { PersonNotFound, VersionConflict } from '../../gallery-errors';
import type { PersonRepository } from '../../ports/person-repository';

/**
 * What this replica does right after it wrote the gallery, before the change
 * feed tells it: its own index reflects its own writes at once, so a client
 * that registers and then identifies through the same replica finds the person.
 */
export interface GalleryWriteListener {
  personWritten(person: Person): void;
  personDeleted(personId: string): void;
}

export const noWriteListener: GalleryWriteListener = { personWritten: () => undefined, personDeleted: () => undefined };

/** How often a read-modify-write is retried when another writer got in between. */
export const DEFAULT_WRITE_ATTEMPTS = 5;

/**
 * Read-modify-write of one person under the repository's optimistic version:
 * reads the person, applies `change`, writes it if nobody wrote in between,
 * else reads again (at most `attempts` times, then the VersionConflict).
 */
export async function changePerson(
  repository: PersonRepository,
  personId: string,
  change: (current: Person) => Omit<Person, 'version'>,
  attempts = DEFAULT_WRITE_ATTEMPTS,
): Promise<Person> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await repository.get(personId);
    if (current === null) throw new PersonNotFound(personId);
    const next: Person = { ...change(current), version: current.version + 1 };
    try {
      await repository.replace(next, current.version);
      return next;
    } catch (error) {
      if (!(error instanceof VersionConflict) || attempt >= attempts) throw error;
    }
  }
}
