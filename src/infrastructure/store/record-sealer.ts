import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StorageError } from '../../application/gallery-errors';
import type { Keyring } from './encryption-keys';

/**
 * A record body as stored: with encryption, AES-256-GCM ciphertext with the
 * id of the key that sealed it, its IV and its authentication tag; without,
 * the plain body (keyId null).
 */
export interface SealedBody {
  readonly keyId: string | null;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly body: Buffer;
}

/**
 * Seals and opens record bodies. `aad` (additional authenticated data) binds
 * a ciphertext to where it belongs, e.g. "person:<id>:<version>": a body
 * copied onto another record, or a version field rolled back, no longer
 * opens.
 */
export interface RecordSealer {
  readonly encrypting: boolean;
  /** The id of the key new records are sealed with; null without encryption. */
  readonly currentKeyId: string | null;
  seal(plain: Buffer, aad: string): SealedBody;
  /** `what` names the record in errors (e.g. "person 'alice'"). */
  open(sealed: SealedBody, aad: string, what: string): Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function aesGcmEncrypt(key: Buffer, plain: Buffer, aad: string): { iv: Buffer; tag: Buffer; body: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), body };
}

/** null when the key is wrong or the data was altered (GCM authentication failed). */
export function aesGcmDecrypt(key: Buffer, sealed: { iv: Buffer; tag: Buffer; body: Buffer }, aad: string): Buffer | null {
  if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.body), decipher.final()]);
  } catch {
    return null;
  }
}

export class AesGcmSealer implements RecordSealer {
  readonly encrypting = true;

  constructor(private readonly keyring: Keyring) {}

  get currentKeyId(): string {
    return this.keyring.current.id;
  }

  seal(plain: Buffer, aad: string): SealedBody {
    return { keyId: this.keyring.current.id, ...aesGcmEncrypt(this.keyring.current.material, plain, aad) };
  }

  open(sealed: SealedBody, aad: string, what: string): Buffer {
    // A plain record, written while encryption was off: readable, and re-sealed by `facerec gallery rotate-key`.
    if (sealed.keyId === null) return sealed.body;
    const key = this.keyring.byId(sealed.keyId);
    if (!key) {
      throw new StorageError(
        `${what} is encrypted with key '${sealed.keyId}', which is not configured (GALLERY_ENCRYPTION_KEY holds ${this.keyring.ids.map((id) => `'${id}'`).join(', ')})`,
        { keyId: sealed.keyId, reason: 'unknown_key' },
      );
    }
    const plain = aesGcmDecrypt(key.material, sealed, aad);
    if (plain === null) {
      throw new StorageError(`${what} cannot be decrypted with key '${sealed.keyId}': the key is wrong or the record was altered`, {
        keyId: sealed.keyId,
        reason: 'wrong_key',
      });
    }
    return plain;
  }
}

/** GALLERY_ENCRYPTION=off: bodies are stored as they are; encrypted records cannot be read. */
export class PlainSealer implements RecordSealer {
  readonly encrypting = false;
  readonly currentKeyId = null;

  seal(plain: Buffer): SealedBody {
    return { keyId: null, iv: Buffer.alloc(0), tag: Buffer.alloc(0), body: plain };
  }

  open(sealed: SealedBody, _aad: string, what: string): Buffer {
    if (sealed.keyId !== null) {
      throw new StorageError(`${what} is encrypted with key '${sealed.keyId}' but GALLERY_ENCRYPTION is off`, { keyId: sealed.keyId, reason: 'encryption_off' });
    }
    return sealed.body;
  }
}
