import type { Person } from '../../../domain/person';
import { PersonNotFound, VersionConflict } from '../../gallery-errors';
import type { PersonRepository } from '../../ports/person-repository';
import { sleep } from '../../services/async-helpers';

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

/** How often a read-modify-write is tried when other writers keep getting in between. */
export const DEFAULT_WRITE_ATTEMPTS = 8;
/** Longest pause before a retry, per attempt made: writers that collided spread out instead of colliding again. */
const RETRY_SPREAD_MS = 15;

/**
 * Read-modify-write of one person under the repository's optimistic version:
 * reads the person, applies `change`, writes it if nobody wrote in between,
 * else waits a random moment and reads again (at most `attempts` times,
 * then the VersionConflict). Without the pause, writers that collided read
 * and collide again: with six concurrent updates of one person, one of them
 * lost five rounds in a row here.
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
      await sleep(Math.random() * RETRY_SPREAD_MS * attempt);
    }
  }
}
