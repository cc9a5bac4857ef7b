import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError } from '../../../../src/application/gallery-errors';
import { ConfigError } from '../../../../src/infrastructure/config/env-schema';
import { loadConfig } from '../../../../src/infrastructure/config/config';
import { formatKey, generateKey, keyringOf, loadOrCreateKeyFile, parseEncryptionKeys } from '../../../../src/infrastructure/store/encryption-keys';
import { resolveGalleryEncryption } from '../../../../src/infrastructure/store/gallery-encryption';
import { AesGcmSealer, PlainSealer } from '../../../../src/infrastructure/store/record-sealer';

const keyText = (id: string): string => formatKey(generateKey(id));

describe('gallery encryption keys', () => {
  it('parses keyid:base64 entries separated by commas or lines, first = current', () => {
    const a = generateKey('a');
    const b = generateKey('b');
    const keys = parseEncryptionKeys(`# comment\n${formatKey(a)}\n ${formatKey(b)} ,`);
    expect(keys.map((k) => k.id)).toEqual(['a', 'b']);
    expect(keys[0]?.material.equals(a.material)).toBe(true);
    expect(keyringOf(keys).current.id).toBe('a');
  });

  it.each([
    ['nocolon', 'entry 1 is not keyid:base64-of-32-bytes'],
    ['bad id!:AAAA', 'entry 1: the key id must match'],
    [`k1:${Buffer.alloc(16).toString('base64')}`, "entry 1 (key id 'k1'): the key must be 32 bytes"],
    ['k1:not*base64', "entry 1 (key id 'k1'): the key must be 32 bytes"],
    [`${keyText('k1')},${keyText('k1')}`, "key id 'k1' appears twice"],
    ['   ', 'no key given'],
  ])('rejects %j with a message that names the entry, never the material', (text, message) => {
    let error: unknown;
    try {
      parseEncryptionKeys(text);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toContain(message);
    const material = text.split(':')[1];
    if (material && material.length > 8) expect((error as Error).message).not.toContain(material);
  });

  it('reports a bad GALLERY_ENCRYPTION_KEY as one config problem without echoing it', () => {
    const secret = Buffer.alloc(20, 7).toString('base64');
    expect(() => loadConfig({ GALLERY_ENCRYPTION_KEY: `k1:${secret}` })).toThrow(ConfigError);
    try {
      loadConfig({ GALLERY_ENCRYPTION_KEY: `k1:${secret}` });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^GALLERY_ENCRYPTION_KEY: entry 1 \(key id 'k1'\)/)]);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('generates the embedded key file once, mode 0600, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facerec-key-'));
    try {
      const path = join(dir, 'gallery.key');
      const first = loadOrCreateKeyFile(path);
      const second = loadOrCreateKeyFile(path);
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.keys[0]?.material.equals(first.keys[0]?.material ?? Buffer.alloc(0))).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8')).toContain(`${first.keys[0]?.id}:`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resolving the gallery encryption from the configuration', () => {
  it('refuses Redis mode without a key, with one clear ConfigError', () => {
    expect(() => resolveGalleryEncryption(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }), null)).toThrow(
      /GALLERY_ENCRYPTION_KEY: Redis mode keeps the gallery in Redis and needs an encryption key/,
    );
  });

  it('accepts Redis mode without a key when encryption is explicitly off', () => {
    const resolved = resolveGalleryEncryption(loadConfig({ GALLERY_ENCRYPTION: 'off' }), null);
    expect(resolved.source).toBe('off');
    expect(resolved.sealer.encrypting).toBe(false);
  });

  it('refuses both a key and a key file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facerec-key-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, keyText('f1'));
      expect(() => resolveGalleryEncryption(loadConfig({ GALLERY_ENCRYPTION_KEY: keyText('e1'), GALLERY_ENCRYPTION_KEY_FILE: file }), null)).toThrow(/set one of them, not both/);
      expect(resolveGalleryEncryption(loadConfig({ GALLERY_ENCRYPTION_KEY_FILE: file }), null)).toEqual(expect.objectContaining({ source: 'GALLERY_ENCRYPTION_KEY_FILE', keyIds: ['f1'] }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('embedded mode without a key generates DATA_DIR/gallery.key, then reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facerec-key-'));
    try {
      const first = resolveGalleryEncryption(loadConfig({}), dir);
      const second = resolveGalleryEncryption(loadConfig({}), dir);
      expect(first.source).toBe('generated key file');
      expect(second.source).toBe('data-dir key file');
      expect(second.keyIds).toEqual(first.keyIds);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AES-256-GCM record sealing', () => {
  const old = generateKey('old');
  const current = generateKey('current');

  it('seals with the current key and opens records of any held key', () => {
    const before = new AesGcmSealer(keyringOf([old]));
    const after = new AesGcmSealer(keyringOf([current, old]));
    const plain = Buffer.from('{"n":"Ada Lovelace"}');
    const sealed = before.seal(plain, 'person:ada:1');
    expect(sealed.keyId).toBe('old');
    expect(sealed.body.includes(Buffer.from('Ada'))).toBe(false);
    expect(after.open(sealed, 'person:ada:1', "person 'ada'").equals(plain)).toBe(true);
    expect(after.seal(plain, 'x').keyId).toBe('current');
  });

  it('names the missing key id when a record was sealed with a key we do not hold', () => {
    const sealed = new AesGcmSealer(keyringOf([old])).seal(Buffer.from('x'), 'aad');
    const open = (): Buffer => new AesGcmSealer(keyringOf([current])).open(sealed, 'aad', "person 'ada'");
    expect(open).toThrow(StorageError);
    expect(open).toThrow("person 'ada' is encrypted with key 'old', which is not configured (GALLERY_ENCRYPTION_KEY holds 'current')");
  });

  it('detects a wrong key under the same id, and a body moved to another record (AAD)', () => {
    const sealed = new AesGcmSealer(keyringOf([old])).seal(Buffer.from('x'), 'person:a:1');
    const impostor = new AesGcmSealer(keyringOf([generateKey('old')]));
    expect(() => impostor.open(sealed, 'person:a:1', "person 'a'")).toThrow("person 'a' cannot be decrypted with key 'old': the key is wrong or the record was altered");
    expect(() => new AesGcmSealer(keyringOf([old])).open(sealed, 'person:a:2', "person 'a'")).toThrow(/cannot be decrypted/);
  });

  it('with encryption off stores bodies in clear and refuses encrypted ones', () => {
    const plain = new PlainSealer();
    const sealed = plain.seal(Buffer.from('x'));
    expect(sealed.keyId).toBeNull();
    expect(plain.open(sealed, 'a', 'r').toString()).toBe('x');
    const encrypted = new AesGcmSealer(keyringOf([old])).seal(Buffer.from('x'), 'a');
    expect(() => plain.open(encrypted, 'a', "person 'a'")).toThrow("person 'a' is encrypted with key 'old' but GALLERY_ENCRYPTION is off");
    // A record written in clear stays readable once encryption is turned on (rotate-key then seals it).
    expect(new AesGcmSealer(keyringOf([old])).open(sealed, 'a', 'r').toString()).toBe('x');
  });
});
