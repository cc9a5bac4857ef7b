import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

/** One AES-256 key of the gallery, named so that records can say which key sealed them. */
export interface GalleryKey {
  readonly id: string;
  readonly material: Buffer;
}

/**
 * The keys the gallery holds: the first seals new records, every one opens
 * (so that records sealed before a rotation stay readable until
 * `facerec gallery rotate-key` has re-sealed them).
 */
export interface Keyring {
  readonly current: GalleryKey;
  byId(id: string): GalleryKey | undefined;
  readonly ids: readonly string[];
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const KEY_BYTES = 32;

/** A malformed key list; messages name entries and key ids, never key material. */
export class InvalidEncryptionKeys extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEncryptionKeys';
  }
}

const STRICT_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `keyid:base64-of-32-bytes` entries separated by commas or new lines
 * (lines starting with # are comments). The first entry is the current key.
 */
export function parseEncryptionKeys(text: string): GalleryKey[] {
  const entries = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new InvalidEncryptionKeys('no key given (expected keyid:base64-of-32-bytes)');
  const keys: GalleryKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? '' : entry.slice(0, colon).trim();
    const encoded = colon === -1 ? '' : entry.slice(colon + 1).trim();
    const where = `entry ${index + 1}${KEY_ID_PATTERN.test(id) ? ` (key id '${id}')` : ''}`;
    if (colon === -1) throw new InvalidEncryptionKeys(`${where} is not keyid:base64-of-32-bytes`);
    if (!KEY_ID_PATTERN.test(id)) throw new InvalidEncryptionKeys(`${where}: the key id must match ${KEY_ID_PATTERN}`);
    const material = STRICT_BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (material.length !== KEY_BYTES) {
      throw new InvalidEncryptionKeys(`${where}: the key must be ${KEY_BYTES} bytes in base64 (e.g. from \`openssl rand -base64 32\`)`);
    }
    if (keys.some((key) => key.id === id)) throw new InvalidEncryptionKeys(`${where}: key id '${id}' appears twice`);
    keys.push({ id, material });
  }
  return keys;
}

export function keyringOf(keys: readonly GalleryKey[]): Keyring {
  const [current] = keys;
  if (!current) throw new InvalidEncryptionKeys('no key given');
  const byId = new Map(keys.map((key) => [key.id, key]));
  return { current, byId: (id) => byId.get(id), ids: keys.map((key) => key.id) };
}

/** `keyid:base64` as a key file holds it. */
export const formatKey = (key: GalleryKey): string => `${key.id}:${key.material.toString('base64')}`;

export const generateKey = (id = `local-${randomBytes(4).toString('hex')}`): GalleryKey => ({ id, material: randomBytes(KEY_BYTES) });

/**
 * Embedded mode without a configured key: reads `path`, or creates it once
 * (mode 0600, created exclusively, so two processes never write two keys)
 * with a new random key. Returns the keys and whether the file was created.
 */
export function loadOrCreateKeyFile(path: string): { keys: GalleryKey[]; created: boolean } {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { keys: parseEncryptionKeys(readFileSync(path, 'utf8')), created: false };
  }
  const key = generateKey();
  try {
    writeSync(fd, `# gallery encryption key, generated ${new Date().toISOString()}; keep it with backups of this directory\n${formatKey(key)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { keys: [key], created: true };
}
