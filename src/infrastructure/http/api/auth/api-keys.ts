import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * An API key: the id names the client in logs, spans and audit lines; the
 * secret is what the client sends in `X-API-Key` and appears nowhere else.
 */
export interface ApiKey {
  readonly id: string;
  readonly secret: string;
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const MIN_SECRET_LENGTH = 16;
export const MAX_SECRET_LENGTH = 256;
/** Visible ASCII but the list separators (',' and whitespace), so a secret survives an environment variable and a file line. */
const SECRET_PATTERN = /^[\x21-\x2b\x2d-\x7e]+$/;

/** A key list that cannot be used. The message names the entry, never its secret. */
export class InvalidApiKeys extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidApiKeys';
  }
}

/**
 * Parses `keyid:secret` entries separated by commas or new lines (the
 * API_KEYS and API_KEYS_FILE format); blank entries and lines starting with
 * `#` are skipped. Secrets may contain ':' (only the first one separates).
 */
export function parseApiKeys(text: string): ApiKey[] {
  const entries = text
    .split(/\r?\n/)
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const keys = entries.map((entry, index) => {
    const separator = entry.indexOf(':');
    const id = separator < 0 ? entry : entry.slice(0, separator);
    const secret = separator < 0 ? '' : entry.slice(separator + 1);
    const where = `entry ${index + 1}`;
    if (separator < 0) throw new InvalidApiKeys(`${where} is not keyid:secret`);
    if (!KEY_ID_PATTERN.test(id)) throw new InvalidApiKeys(`${where}: the key id must match ${KEY_ID_PATTERN}`);
    if (secret.length < MIN_SECRET_LENGTH || secret.length > MAX_SECRET_LENGTH) {
      throw new InvalidApiKeys(`key '${id}': the secret must be ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters long`);
    }
    if (!SECRET_PATTERN.test(secret)) throw new InvalidApiKeys(`key '${id}': the secret must be visible ASCII without ','`);
    return { id, secret };
  });
  assertDistinct(keys);
  return keys;
}

/** Key ids name clients, so each is used once; two clients with one secret could not be told apart. */
export function assertDistinct(keys: readonly ApiKey[]): void {
  const ids = new Set<string>();
  const secrets = new Set<string>();
  for (const key of keys) {
    if (ids.has(key.id)) throw new InvalidApiKeys(`key id '${key.id}' is given more than once`);
    if (secrets.has(key.secret)) throw new InvalidApiKeys(`key '${key.id}' has the same secret as another key`);
    ids.add(key.id);
    secrets.add(key.secret);
  }
}

/** A random key for the embedded try-out mode (192 bits, URL-safe). */
export function generateApiKey(id = 'generated'): ApiKey {
  return { id, secret: randomBytes(24).toString('base64url') };
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * The configured keys, held as SHA-256 digests. `identify` compares the
 * digest of what a client presents with every key's digest in constant time
 * (crypto.timingSafeEqual on equal-length digests), and never stops early: the
 * answer's timing tells neither the secret's length nor which key was close.
 */
export class ApiKeyring {
  private readonly entries: readonly { readonly id: string; readonly digest: Buffer }[];

  constructor(keys: readonly ApiKey[]) {
    assertDistinct(keys);
    this.entries = keys.map((key) => ({ id: key.id, digest: digest(key.secret) }));
  }

  get size(): number {
    return this.entries.length;
  }

  get keyIds(): readonly string[] {
    return this.entries.map((entry) => entry.id);
  }

  /** The id of the key whose secret is `presented`, or null. */
  identify(presented: string | undefined): string | null {
    if (presented === undefined || presented === '') return null;
    const candidate = digest(presented);
    let found: string | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(candidate, entry.digest)) found = entry.id;
    }
    return found;
  }
}
