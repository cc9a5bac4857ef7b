import { keyListFileVar, keyListVar, type KeyListFile } from './key-list-variables';
import { InvalidEncryptionKeys, parseEncryptionKeys, type GalleryKey } from '../store/encryption-keys';
import { invalid, type Variable } from './env-schema';

/** GALLERY_ENCRYPTION_KEY_FILE once read. */
export type EncryptionKeyFile = KeyListFile<GalleryKey>;

const GALLERY_KEYS = { parse: parseEncryptionKeys, Invalid: InvalidEncryptionKeys };

/** `keyid:base64,…`, validated at start-up; problems never quote key material. */
export const encryptionKeysVar = (description: string): Variable<readonly GalleryKey[]> => keyListVar(description, GALLERY_KEYS);

/** A file of `keyid:base64` lines (# comments), read and validated at start-up. */
export const encryptionKeyFileVar = (description: string): Variable<EncryptionKeyFile> => keyListFileVar(description, GALLERY_KEYS);

/** A secret of `min` to 1024 characters; problems never quote it. */
export function passphraseVar(description: string, min: number): Variable<string> {
  return {
    description,
    defaultValue: undefined,
    parse: (raw) => (raw.length < min || raw.length > 1024 ? invalid(`must be ${min} to 1024 characters (got ${raw.length})`) : raw),
  };
}
