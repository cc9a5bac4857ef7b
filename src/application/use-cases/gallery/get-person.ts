import type { Person } from '../../../domain/person';
import { PersonNotFound } from '../../gallery-errors';
import type { PersonPage, PersonRepository } from '../../ports/person-repository';

/** One person of the store of record; PersonNotFound when unknown. */
export class GetPerson {
  constructor(private readonly repository: PersonRepository) {}

  async execute(personId: string): Promise<Person> {
    const person = await this.repository.get(personId);
    if (person === null) throw new PersonNotFound(personId);
    return person;
  }
}

/** The people of the gallery in id order, a page at a time. */
export class ListPeople {
  constructor(private readonly repository: PersonRepository) {}

  execute(limit: number, cursor: string | null): Promise<PersonPage> {
    return this.repository.list(limit, cursor);
  }
}
