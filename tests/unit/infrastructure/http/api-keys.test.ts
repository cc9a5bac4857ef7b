import { ApiKeyring, generateApiKey, InvalidApiKeys, parseApiKeys } from '../../../../src/infrastructure/http/api/auth/api-keys';

const SECRET_A = 'alpha-secret-0123456789';
const SECRET_B = 'beta:secret:with:colons';

describe('parseApiKeys', () => {
  it('reads keyid:secret entries separated by commas or lines, skipping blanks and # comments', () => {
    expect(parseApiKeys(`alpha:${SECRET_A}, beta:${SECRET_B}`)).toEqual([
      { id: 'alpha', secret: SECRET_A },
      { id: 'beta', secret: SECRET_B },
    ]);
    expect(parseApiKeys(`# clients\nalpha:${SECRET_A}\n\n  # beta left\r\nbeta:${SECRET_B}\n`)).toHaveLength(2);
    expect(parseApiKeys('')).toEqual([]);
  });

  it.each([
    ['no separator', 'alpha', 'entry 1 is not keyid:secret'],
    ['a bad id', `al pha:${SECRET_A}`, 'entry 1: the key id must match'],
    ['a short secret', 'alpha:short-secret', "key 'alpha': the secret must be 16 to 256 characters long"],
    ['a secret with spaces', 'alpha:has spaces in the secret', "key 'alpha': the secret must be visible ASCII without ','"],
    ['a repeated id', `alpha:${SECRET_A},alpha:${SECRET_B}`, "key id 'alpha' is given more than once"],
    ['a repeated secret', `alpha:${SECRET_A},beta:${SECRET_A}`, "key 'beta' has the same secret as another key"],
  ])('rejects %s without quoting a secret', (_name, text, message) => {
    let error: unknown;
    try {
      parseApiKeys(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidApiKeys);
    expect((error as Error).message).toContain(message);
    for (const secret of [SECRET_A, SECRET_B, 'short-secret', 'has spaces in the secret']) expect((error as Error).message).not.toContain(secret);
  });
});

describe('ApiKeyring', () => {
  const keyring = new ApiKeyring([
    { id: 'alpha', secret: SECRET_A },
    { id: 'beta', secret: SECRET_B },
  ]);

  it('names the key whose secret is presented, and nothing else', () => {
    expect(keyring.identify(SECRET_A)).toBe('alpha');
    expect(keyring.identify(SECRET_B)).toBe('beta');
    for (const wrong of [undefined, '', 'alpha', `${SECRET_A} `, SECRET_A.slice(0, -1), SECRET_A.toUpperCase(), 'x'.repeat(10_000)]) {
      expect(keyring.identify(wrong)).toBeNull();
    }
    expect(keyring.keyIds).toEqual(['alpha', 'beta']);
    expect(keyring.size).toBe(2);
  });

  it('identifies nobody when empty', () => {
    expect(new ApiKeyring([]).identify(SECRET_A)).toBeNull();
  });

  it('refuses two keys with one id', () => {
    expect(() => new ApiKeyring([{ id: 'a', secret: SECRET_A }, { id: 'a', secret: SECRET_B }])).toThrow(InvalidApiKeys);
  });
});

describe('generateApiKey', () => {
  it('makes a random URL-safe secret that the parser and the keyring accept', () => {
    const first = generateApiKey();
    const second = generateApiKey();
    expect(first.id).toBe('generated');
    expect(first.secret).not.toBe(second.secret);
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(parseApiKeys(`${first.id}:${first.secret}`)).toEqual([first]);
    expect(new ApiKeyring([first]).identify(first.secret)).toBe('generated');
  });
});
