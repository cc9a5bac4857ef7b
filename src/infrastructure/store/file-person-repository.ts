import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, link, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidCursor, PersonExists, PersonNotFound, StorageError, VersionConflict } from '../../application/gallery-errors';
import type { ChangeSubscription, GalleryChange, PersonPage, PersonRepository } from '../../application/ports/person-repository';
import { isValidPersonId, type Person } from '../../domain/person';
import { decodeCursor, encodeCursor } from './page-cursor';
import { decodePersonBody, encodePersonBody, personAad } from './person-codec';
import type { RecordSealer } from './record-sealer';
import { sealedFromJson, sealedToJson, type SealedJson } from './sealed-json';

/** A person file: the id and version in clear, the rest sealed. */
interface PersonFile extends SealedJson {
  readonly format: 1;
  readonly id: string;
  readonly version: number;
}

const SUFFIX = '.json';

/**
 * The gallery on local files (embedded mode): `<dir>/<person id>.json`, one
 * file per person. Writes are atomic: the record goes to a temporary file in
 * the same directory, is fsynced, then renamed over the old one (or linked
 * into place for a create, which fails if the id exists), and the directory
 * is fsynced, so a crash leaves the old record or the new one, never half of
 * one. One process owns the directory (embedded mode is one process):
 * writes are serialised in it, and the change feed is in-process.
 */
export class FilePersonRepository implements PersonRepository {
  private readonly listeners = new Set<(change: GalleryChange) => void>();
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly sealer: RecordSealer,
  ) {}

  /** Creates the directory if needed. */
  static async open(dir: string, sealer: RecordSealer): Promise<FilePersonRepository> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new FilePersonRepository(dir, sealer);
  }

  create(person: Person): Promise<void> {
    return this.serialised(async () => {
      assertId(person.id);
      const temp = await this.writeTemp(person);
      try {
        await this.placeNew(temp, person.id);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      await this.syncDir();
      this.publish({ kind: 'upsert', personId: person.id, version: person.version });
    });
  }

  get(personId: string): Promise<Person | null> {
    if (!isValidPersonId(personId)) return Promise.resolve(null);
    return this.read(personId);
  }

  replace(person: Person, expectedVersion: number): Promise<void> {
    return this.serialised(async () => {
      assertId(person.id);
      const stored = await this.readFile(person.id);
      if (stored === null) throw new PersonNotFound(person.id);
      if (stored.version !== expectedVersion) throw new VersionConflict(person.id, expectedVersion);
      const temp = await this.writeTemp(person);
      try {
        await rename(temp, this.pathOf(person.id));
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        throw storageError(`cannot write person '${person.id}'`, error);
      }
      await this.syncDir();
      this.publish({ kind: 'upsert', personId: person.id, version: person.version });
    });
  }

  delete(personId: string): Promise<boolean> {
    return this.serialised(async () => {
      if (!isValidPersonId(personId)) return false;
      try {
        await unlink(this.pathOf(personId));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw storageError(`cannot delete person '${personId}'`, error);
      }
      await this.syncDir();
      this.publish({ kind: 'delete', personId });
      return true;
    });
  }

  async list(limit: number, cursor: string | null): Promise<PersonPage> {
    const after = cursor === null ? null : decodeCursor(cursor, isValidPersonId);
    if (cursor !== null && after === null) throw new InvalidCursor();
    const ids = (await this.ids()).filter((id) => after === null || id > after);
    const people: Person[] = [];
    let next = 0;
    while (next < ids.length && people.length < limit) {
      const person = await this.read(ids[next] as string);
      next += 1;
      if (person) people.push(person);
    }
    return { people, nextCursor: next < ids.length && next > 0 ? encodeCursor(ids[next - 1] as string) : null };
  }

  async *all(): AsyncIterable<Person> {
    for (const id of await this.ids()) {
      const person = await this.read(id);
      if (person) yield person;
    }
  }

  watch(onChange: (change: GalleryChange) => void): Promise<ChangeSubscription> {
    this.listeners.add(onChange);
    return Promise.resolve({
      close: () => {
        this.listeners.delete(onChange);
        return Promise.resolve();
      },
    });
  }

  private publish(change: GalleryChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  /**
   * Puts the new record in place unless the person exists: link() fails
   * with EEXIST atomically. File systems without hard links (some network
   * and container volumes) fall back to a check then rename, safe here
   * because this process serialises its writes and owns the directory.
   */
  private async placeNew(temp: string, personId: string): Promise<void> {
    const target = this.pathOf(personId);
    try {
      await link(temp, target);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new PersonExists(personId);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw storageError(`cannot write person '${personId}'`, error);
    }
    if ((await this.readFile(personId)) !== null) throw new PersonExists(personId);
    try {
      await rename(temp, target);
    } catch (error) {
      throw storageError(`cannot write person '${personId}'`, error);
    }
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(work, work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  private pathOf(personId: string): string {
    return join(this.dir, `${personId}${SUFFIX}`);
  }

  /** Ids in byte order (ids are ASCII, so the same order as Redis' lexicographic ranges). */
  private async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      throw storageError(`cannot list ${this.dir}`, error);
    }
    return names
      .filter((name) => name.endsWith(SUFFIX))
      .map((name) => name.slice(0, -SUFFIX.length))
      .filter(isValidPersonId)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private async read(personId: string): Promise<Person | null> {
    const stored = await this.readFile(personId);
    if (stored === null) return null;
    const what = `person '${personId}' (${this.pathOf(personId)})`;
    let sealed;
    try {
      sealed = sealedFromJson(stored);
    } catch {
      throw new StorageError(`${what} is malformed: not a person record`, { personId, reason: 'malformed_record' });
    }
    const plain = this.sealer.open(sealed, personAad(personId, stored.version), what);
    return decodePersonBody(personId, stored.version, plain, what);
  }

  private async readFile(personId: string): Promise<PersonFile | null> {
    let text: string;
    try {
      text = await readFile(this.pathOf(personId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw storageError(`cannot read person '${personId}'`, error);
    }
    let parsed: PersonFile;
    try {
      parsed = JSON.parse(text) as PersonFile;
    } catch {
      parsed = {} as PersonFile;
    }
    if (parsed.format !== 1 || parsed.id !== personId || !Number.isInteger(parsed.version)) {
      throw new StorageError(`person '${personId}' (${this.pathOf(personId)}) is malformed: not a person record`, { personId, reason: 'malformed_record' });
    }
    return parsed;
  }

  /** The sealed record in a new temporary file of the directory, fsynced; returns its path. */
  private async writeTemp(person: Person): Promise<string> {
    const sealed = this.sealer.seal(encodePersonBody(person), personAad(person.id, person.version));
    const record: PersonFile = { format: 1, id: person.id, version: person.version, ...sealedToJson(sealed) };
    const temp = join(this.dir, `.${person.id}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(record));
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw storageError(`cannot write person '${person.id}'`, error);
    }
    return temp;
  }

  /** Makes the rename / link / unlink itself durable. */
  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function assertId(personId: string): void {
  if (!isValidPersonId(personId)) throw new StorageError(`'${personId.slice(0, 140)}' is not a valid person id`, { reason: 'invalid_id' });
}

function storageError(message: string, error: unknown): StorageError {
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
  return new StorageError(`${message}: ${code}`, { reason: code }, { cause: error });
}
