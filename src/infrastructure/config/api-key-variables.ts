import { InvalidApiKeys, parseApiKeys, type ApiKey } from '../http/api/auth/api-keys';
import type { Variable } from './env-schema';
import { keyListFileVar, keyListVar, type KeyListFile } from './key-list-variables';

/** API_KEYS_FILE once read. */
export type ApiKeysFile = KeyListFile<ApiKey>;

const API_KEYS = { parse: parseApiKeys, Invalid: InvalidApiKeys };

/** `keyid:secret,…`, validated at start-up; problems never quote a secret. */
export const apiKeysVar = (description: string): Variable<readonly ApiKey[]> => keyListVar(description, API_KEYS);

/** A file of `keyid:secret` lines, read and validated at start-up. */
export const apiKeysFileVar = (description: string): Variable<ApiKeysFile> => keyListFileVar(description, API_KEYS);
