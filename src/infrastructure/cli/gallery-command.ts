import { readFile } from 'node:fs/promises';
import { PersonExists, VersionConflict } from '../../application/gallery-errors';
import type { PersonRepository } from '../../application/ports/person-repository';
import type { Person } from '../../domain/person';
import { readBackup, writeBackup } from '../store/gallery-backup';
import { UsageError, type CommandOutput } from './output';

export interface GalleryCommandValues {
  readonly out?: string | undefined;
  readonly in?: string | undefined;
  readonly 'passphrase-file'?: string | undefined;
  readonly replace?: boolean | undefined;
}

/** What the gallery commands need of the store (opened by the caller from the configuration). */
export interface GalleryCommandStore {
  readonly repository: PersonRepository;
  readonly mode: 'redis' | 'embedded';
  /** The key new records are sealed with; null when GALLERY_ENCRYPTION=off. */
  readonly currentKeyId: string | null;
}

const ROTATE_ATTEMPTS = 5;

/**
 * facerec gallery export --out FILE | import --in FILE [--replace] | rotate-key.
 * Backups are sealed with a passphrase (GALLERY_BACKUP_PASSPHRASE or
 * --passphrase-file), not with the gallery key, so that they restore into
 * another deployment and outlive key rotations (adr/0008).
 */
export async function galleryCommand(
  subcommand: string | undefined,
  store: GalleryCommandStore,
  values: GalleryCommandValues,
  passphraseFromEnv: string | undefined,
  output: CommandOutput,
): Promise<number> {
  switch (subcommand) {
    case 'export': {
      if (!values.out) throw new UsageError('gallery export needs --out <file>');
      const passphrase = await passphraseOf(values, passphraseFromEnv);
      const written = await writeBackup(store.repository.all(), values.out, passphrase);
      output.json({ exported: written.people, file: values.out });
      return 0;
    }
    case 'import': {
      if (!values.in) throw new UsageError('gallery import needs --in <file>');
      const passphrase = await passphraseOf(values, passphraseFromEnv);
      const backup = await readBackup(values.in, passphrase);
      const outcome = { imported: 0, replaced: 0, skipped: [] as string[] };
      for await (const person of backup.people) {
        try {
          await store.repository.create(person);
          outcome.imported += 1;
        } catch (error) {
          if (!(error instanceof PersonExists)) throw error;
          if (!values.replace) {
            outcome.skipped.push(person.id);
            continue;
          }
          await withRetries(async () => {
            const current = await store.repository.get(person.id);
            if (current === null) await store.repository.create(person);
            else await store.repository.replace({ ...person, version: current.version + 1 }, current.version);
          });
          outcome.replaced += 1;
        }
      }
      output.json({ ...outcome, file: values.in, ...embeddedNote(store) });
      return 0;
    }
    case 'rotate-key': {
      if (store.currentKeyId === null) throw new UsageError('GALLERY_ENCRYPTION is off: there is no key to re-encrypt the gallery with');
      let rotated = 0;
      for await (const listed of store.repository.all()) {
        // Re-sealing is a write: version + 1 (the version is part of the authenticated data), same content and updated_at.
        await withRetries(async () => {
          const current = (await store.repository.get(listed.id)) ?? null;
          if (current === null) return; // deleted meanwhile
          await store.repository.replace(rotatedCopy(current), current.version);
        });
        rotated += 1;
      }
      output.json({ rotated, key_id: store.currentKeyId, ...embeddedNote(store) });
      return 0;
    }
    default:
      throw new UsageError(`unknown gallery command '${subcommand ?? ''}': 'export', 'import' or 'rotate-key'`);
  }
}

const rotatedCopy = (person: Person): Person => ({ ...person, version: person.version + 1 });

/** A concurrent writer (the running service) may change the person between our read and write: read again. */
async function withRetries(attempt: () => Promise<void>): Promise<void> {
  for (let n = 1; ; n += 1) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (!(error instanceof VersionConflict) || n >= ROTATE_ATTEMPTS) throw error;
    }
  }
}

const embeddedNote = (store: GalleryCommandStore): Record<string, string> =>
  store.mode === 'embedded' ? { note: 'embedded mode: a service running on this DATA_DIR sees these changes after a restart' } : {};

async function passphraseOf(values: GalleryCommandValues, fromEnv: string | undefined): Promise<string> {
  const file = values['passphrase-file'];
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --passphrase-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const passphrase = text.replace(/\r?\n$/, '');
    if (passphrase.length < 12) throw new UsageError(`the passphrase in ${file} is shorter than 12 characters`);
    return passphrase;
  }
  if (fromEnv !== undefined) return fromEnv;
  throw new UsageError('a backup needs a passphrase: set GALLERY_BACKUP_PASSPHRASE or pass --passphrase-file <file>');
}
