import { createHash, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { FaceRecognitionError, type ErrorContext } from '../../domain/errors';
import { isValidPersonId, type Person } from '../../domain/person';
import { decodePersonBody, encodePersonBody } from './person-codec';
import { aesGcmDecrypt, aesGcmEncrypt } from './record-sealer';

/** A backup file that cannot be read: wrong passphrase, altered, truncated, or not a backup. */
export class BackupError extends FaceRecognitionError {
  readonly code = 'backup_error';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

export const BACKUP_FORMAT = 'facerec-gallery-backup';

/** scrypt cost: 2^15 × 8 × 128 B = 32 MiB and ~0.1 s a derivation, once per export / import. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;

interface BackupHeader {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: 1;
  readonly created_at: string;
  readonly cipher: 'aes-256-gcm';
  readonly kdf: { readonly name: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly salt: string };
}

interface SealedLine {
  readonly iv: string;
  readonly tag: string;
  readonly ct: string;
}

function deriveKey(passphrase: string, salt: Buffer, kdf: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r };
  return new Promise((resolve, reject) => scryptCallback(passphrase, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** Each line is bound to the header (its hash: salt and KDF) and to its place, so lines cannot be reordered, dropped or moved between files. */
const lineAad = (headerLine: string, place: number | 'end'): string => `${BACKUP_FORMAT}:${createHash('sha256').update(headerLine).digest('hex')}:${place}`;

const sealLine = (key: Buffer, plain: Buffer, aad: string): string => {
  const { iv, tag, body } = aesGcmEncrypt(key, plain, aad);
  return JSON.stringify({ iv: iv.toString('base64'), tag: tag.toString('base64'), ct: body.toString('base64') } satisfies SealedLine);
};

/**
 * Writes every person to `path` as an encrypted backup (JSON lines): a clear
 * header (format, scrypt parameters and salt), one AES-256-GCM line per
 * person (id, version and the full record, embeddings included), and a
 * sealed trailer with the count, so a truncated file is detected. Written to
 * a temporary file, fsynced, then renamed: a failed export leaves no partial
 * backup. The file is created 0600.
 */
export async function writeBackup(people: AsyncIterable<Person>, path: string, passphrase: string): Promise<{ people: number }> {
  const salt = randomBytes(16);
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: 1,
    created_at: new Date().toISOString(),
    cipher: 'aes-256-gcm',
    kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
  };
  const headerLine = JSON.stringify(header);
  const key = await deriveKey(passphrase, salt, SCRYPT);
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  let count = 0;
  try {
    await handle.write(`${headerLine}\n`);
    for await (const person of people) {
      const plain = Buffer.from(JSON.stringify({ i: person.id, v: person.version, b: JSON.parse(encodePersonBody(person).toString('utf8')) as unknown }), 'utf8');
      await handle.write(`${sealLine(key, plain, lineAad(headerLine, count))}\n`);
      count += 1;
    }
    await handle.write(`${sealLine(key, Buffer.from(JSON.stringify({ count }), 'utf8'), lineAad(headerLine, 'end'))}\n`);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  return { people: count };
}

/**
 * A backup's size and its people, in file order. The whole file is checked
 * first (every line opens with the passphrase, the end marker's count
 * matches), so a wrong passphrase or an altered file imports nothing.
 */
export async function readBackup(path: string, passphrase: string): Promise<{ readonly count: number; readonly people: AsyncIterable<Person> }> {
  let count = 0;
  for await (const person of backupEntries(path, passphrase)) if (person) count += 1;
  return { count, people: peopleOf(path, passphrase) };
}

async function* peopleOf(path: string, passphrase: string): AsyncIterable<Person> {
  for await (const person of backupEntries(path, passphrase)) if (person) yield person;
}

/** The people of the file in order, then null once the end marker has checked the count. */
async function* backupEntries(path: string, passphrase: string): AsyncIterable<Person | null> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let headerLine: string | null = null;
  let key: Buffer | null = null;
  let count = 0;
  let trailer: number | null = null;
  try {
    for await (const line of lines) {
      if (line === '') continue;
      if (headerLine === null || key === null) {
        headerLine = line;
        key = await keyOf(line, passphrase, path);
        continue;
      }
      if (trailer !== null) throw new BackupError(`${path} has data after its end marker: the file was altered`, { path });
      const sealed = parseLine(line, path);
      const asPerson = aesGcmDecrypt(key, sealed, lineAad(headerLine, count));
      if (asPerson !== null) {
        const person = decodeLine(asPerson, path, count);
        count += 1;
        yield person;
        continue;
      }
      const asEnd = aesGcmDecrypt(key, sealed, lineAad(headerLine, 'end'));
      if (asEnd === null) {
        throw new BackupError(
          count === 0 ? `${path} cannot be decrypted: wrong passphrase, or the file was altered` : `${path}: entry ${count + 1} cannot be decrypted: the file was altered`,
          { path, entry: count + 1 },
        );
      }
      trailer = (JSON.parse(asEnd.toString('utf8')) as { count: number }).count;
    }
  } catch (error) {
    if (error instanceof FaceRecognitionError) throw error;
    throw new BackupError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { path });
  } finally {
    lines.close();
  }
  if (headerLine === null) throw new BackupError(`${path} is empty, not a gallery backup`, { path });
  if (trailer === null || trailer !== count) throw new BackupError(`${path} is truncated: its end marker is missing`, { path, entries: count });
  yield null;
}

async function keyOf(headerLine: string, passphrase: string, path: string): Promise<Buffer> {
  let header: BackupHeader;
  try {
    header = JSON.parse(headerLine) as BackupHeader;
  } catch {
    throw new BackupError(`${path} is not a gallery backup`, { path });
  }
  if (header.format !== BACKUP_FORMAT || header.version !== 1 || header.cipher !== 'aes-256-gcm' || header.kdf?.name !== 'scrypt') {
    throw new BackupError(`${path} is not a gallery backup this version reads`, { path });
  }
  const { N, r, p } = header.kdf;
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) {
    throw new BackupError(`${path} asks for scrypt parameters out of bounds`, { path });
  }
  return deriveKey(passphrase, Buffer.from(header.kdf.salt, 'base64'), { N, r, p });
}

function parseLine(line: string, path: string): { iv: Buffer; tag: Buffer; body: Buffer } {
  try {
    const sealed = JSON.parse(line) as SealedLine;
    return { iv: Buffer.from(sealed.iv, 'base64'), tag: Buffer.from(sealed.tag, 'base64'), body: Buffer.from(sealed.ct, 'base64') };
  } catch {
    throw new BackupError(`${path} holds a line that is not a sealed entry: the file was altered`, { path });
  }
}

function decodeLine(plain: Buffer, path: string, place: number): Person {
  const entry = JSON.parse(plain.toString('utf8')) as { i: string; v: number; b: unknown };
  if (!isValidPersonId(entry.i) || !Number.isInteger(entry.v)) throw new BackupError(`${path}: entry ${place + 1} is not a person`, { path });
  return decodePersonBody(entry.i, entry.v, Buffer.from(JSON.stringify(entry.b), 'utf8'), `entry ${place + 1} of ${path}`);
}
