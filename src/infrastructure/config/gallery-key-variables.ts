import { readFileSync } from 'node:fs';
import { InvalidEncryptionKeys, parseEncryptionKeys, type GalleryKey } from '../store/encryption-keys';
import { invalid, type Variable } from './env-schema';

/** GALLERY_ENCRYPTION_KEY_FILE once read: where the keys came from, and the keys. */
export interface EncryptionKeyFile {
  readonly path: string;
  readonly keys: readonly GalleryKey[];
}

const keysOf = (text: string): GalleryKey[] => {
  try {
    return parseEncryptionKeys(text);
  } catch (error) {
    // The parser's messages name entries and key ids, never key material.
    return invalid(error instanceof InvalidEncryptionKeys ? error.message : String(error));
  }
};

/** `keyid:base64,…`, validated at start-up; problems never quote key material. */
export function encryptionKeysVar(description: string): Variable<readonly GalleryKey[]> {
  return { description, defaultValue: undefined, parse: (raw) => keysOf(raw) };
}

/** A file of `keyid:base64` lines (# comments), read and validated at start-up. */
export function encryptionKeyFileVar(description: string): Variable<EncryptionKeyFile> {
  return {
    description,
    defaultValue: undefined,
    parse(raw) {
      let text: string;
      try {
        text = readFileSync(raw, 'utf8');
      } catch (error) {
        return invalid(`cannot read ${raw}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      return { path: raw, keys: keysOf(text) };
    },
  };
}

/** A secret of `min` to 1024 characters; problems never quote it. */
export function passphraseVar(description: string, min: number): Variable<string> {
  return {
    description,
    defaultValue: undefined,
    parse: (raw) => (raw.length < min || raw.length > 1024 ? invalid(`must be ${min} to 1024 characters (got ${raw.length})`) : raw),
  };
}
