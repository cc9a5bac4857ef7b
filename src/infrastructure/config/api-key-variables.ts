import { readFileSync } from 'node:fs';
import { InvalidApiKeys, parseApiKeys, type ApiKey } from '../http/api/auth/api-keys';
import { invalid, type Variable } from './env-schema';

/** API_KEYS_FILE once read: where the keys came from, and the keys. */
export interface ApiKeysFile {
  readonly path: string;
  readonly keys: readonly ApiKey[];
}

const keysOf = (text: string): ApiKey[] => {
  try {
    return parseApiKeys(text);
  } catch (error) {
    // The parser's messages name entries and key ids, never secrets.
    return invalid(error instanceof InvalidApiKeys ? error.message : String(error));
  }
};

/** `keyid:secret,…`, validated at start-up; problems never quote a secret. */
export function apiKeysVar(description: string): Variable<readonly ApiKey[]> {
  return { description, defaultValue: undefined, parse: (raw) => keysOf(raw) };
}

/** A file of `keyid:secret` lines, read and validated at start-up. */
export function apiKeysFileVar(description: string): Variable<ApiKeysFile> {
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
