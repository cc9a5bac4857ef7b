import { decodeBase64Image, isInside } from '../../../../src/infrastructure/redis/redis-frame-image-store';

describe('decodeBase64Image', () => {
  const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x3f]);

  it('decodes standard, URL-safe, unpadded, wrapped and data-URL base64', () => {
    for (const text of [
      bytes.toString('base64'),
      bytes.toString('base64url'),
      bytes.toString('base64').replace(/=+$/, ''),
      `${bytes.toString('base64').slice(0, 4)}\n${bytes.toString('base64').slice(4)}`,
      `data:image/jpeg;base64,${bytes.toString('base64')}`,
    ]) {
      expect(decodeBase64Image(text)?.equals(bytes)).toBe(true);
    }
  });

  it.each(['', '   ', 'abc$', 'A', 'AAAAA', 'QQ=', 'QQ==QQ==', 'é'])('rejects %p', (text) => {
    expect(decodeBase64Image(text)).toBeNull();
  });
});

describe('isInside', () => {
  it('accepts the root and paths below it only', () => {
    expect(isInside('/data/images', '/data/images')).toBe(true);
    expect(isInside('/data/images', '/data/images/cam/1.jpg')).toBe(true);
    expect(isInside('/data/images', '/data/images/..hidden.jpg')).toBe(true);
    expect(isInside('/data/images', '/data/images-other/1.jpg')).toBe(false);
    expect(isInside('/data/images', '/data')).toBe(false);
    expect(isInside('/data/images', '/etc/passwd')).toBe(false);
  });
});
