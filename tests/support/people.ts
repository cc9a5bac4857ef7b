import { randomBytes } from 'node:crypto';
import { l2Normalise } from '../../src/domain/embedding';
import type { Person } from '../../src/domain/person';

/** A unit-length random 512-d vector (seeded by crypto randomness: tests compare it with itself, never with a constant). */
export const randomVector = (size = 512): Float32Array => {
  const bytes = randomBytes(size * 4);
  const raw = new Float32Array(size);
  for (let i = 0; i < size; i += 1) raw[i] = bytes.readInt32LE(i * 4) / 2 ** 31;
  return l2Normalise(raw);
};

/** A person record as the use cases build one: `embeddings` random unit vectors, version 1. */
export function makePerson(id: string, overrides: Partial<Person> = {}, embeddings = 2): Person {
  const at = '2026-12-02T10:00:00.000Z';
  return {
    id,
    name: `Name of ${id}`,
    metadata: { badge: `B-${id}`, floor: 3, visitor: false, note: null },
    embeddings: Array.from({ length: embeddings }, (_, i) => ({
      vector: randomVector(),
      quality: { faceSize: 120 + i, sharpness: 40.5 + i, yaw: -3.25 + i },
      createdAt: at,
    })),
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...overrides,
  };
}

/** The next version of `person` (what an update use case writes). */
export const nextVersion = (person: Person, changes: Partial<Person> = {}): Person => ({
  ...person,
  ...changes,
  version: person.version + 1,
  updatedAt: new Date().toISOString(),
});
