import { join } from 'node:path';
import { ConfigError } from '../config/env-schema';
import { keyringOf, loadOrCreateKeyFile, type GalleryKey } from './encryption-keys';
import { AesGcmSealer, PlainSealer, type RecordSealer } from './record-sealer';

export interface EncryptionSettings {
  readonly GALLERY_ENCRYPTION: 'on' | 'off';
  readonly GALLERY_ENCRYPTION_KEY?: readonly GalleryKey[] | undefined;
  readonly GALLERY_ENCRYPTION_KEY_FILE?: { readonly path: string; readonly keys: readonly GalleryKey[] } | undefined;
}

export type KeySource = 'GALLERY_ENCRYPTION_KEY' | 'GALLERY_ENCRYPTION_KEY_FILE' | 'data-dir key file' | 'generated key file' | 'off';

export interface GalleryEncryption {
  readonly sealer: RecordSealer;
  /** Where the keys came from, for the start-up log line (never the keys). */
  readonly source: KeySource;
  /** The key ids held, first = current (empty when off). */
  readonly keyIds: readonly string[];
  /** Embedded mode: the key file used or generated. */
  readonly keyFile?: string;
}

/** The file embedded mode keeps its generated key in. */
export const embeddedKeyPath = (dataDir: string): string => join(dataDir, 'gallery.key');

/**
 * The sealer of the gallery's records, from the configuration:
 * - GALLERY_ENCRYPTION=off: records in clear (an explicit choice);
 * - GALLERY_ENCRYPTION_KEY or GALLERY_ENCRYPTION_KEY_FILE (not both);
 * - neither, Redis mode: refused (a shared store in clear would be an accident);
 * - neither, embedded mode (`dataDir` given): DATA_DIR/gallery.key, generated
 *   once (0600) and reused.
 */
export function resolveGalleryEncryption(settings: EncryptionSettings, embeddedDataDir: string | null): GalleryEncryption {
  if (settings.GALLERY_ENCRYPTION === 'off') return { sealer: new PlainSealer(), source: 'off', keyIds: [] };
  const fromEnv = settings.GALLERY_ENCRYPTION_KEY;
  const fromFile = settings.GALLERY_ENCRYPTION_KEY_FILE;
  if (fromEnv && fromFile) {
    throw new ConfigError(['GALLERY_ENCRYPTION_KEY, GALLERY_ENCRYPTION_KEY_FILE: set one of them, not both (the first key of the one set encrypts)']);
  }
  if (fromEnv) return aesGcm(fromEnv, 'GALLERY_ENCRYPTION_KEY');
  if (fromFile) return { ...aesGcm(fromFile.keys, 'GALLERY_ENCRYPTION_KEY_FILE'), keyFile: fromFile.path };
  if (embeddedDataDir === null) {
    throw new ConfigError([
      'GALLERY_ENCRYPTION_KEY: Redis mode keeps the gallery in Redis and needs an encryption key (GALLERY_ENCRYPTION_KEY or GALLERY_ENCRYPTION_KEY_FILE, e.g. gallery-1:$(openssl rand -base64 32)), or GALLERY_ENCRYPTION=off to store it in clear',
    ]);
  }
  const path = embeddedKeyPath(embeddedDataDir);
  let loaded;
  try {
    loaded = loadOrCreateKeyFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new ConfigError([`DATA_DIR: cannot read or create the gallery key ${path}: ${reason}`]);
  }
  return { ...aesGcm(loaded.keys, loaded.created ? 'generated key file' : 'data-dir key file'), keyFile: path };
}

function aesGcm(keys: readonly GalleryKey[], source: KeySource): GalleryEncryption {
  const keyring = keyringOf(keys);
  return { sealer: new AesGcmSealer(keyring), source, keyIds: keyring.ids };
}
