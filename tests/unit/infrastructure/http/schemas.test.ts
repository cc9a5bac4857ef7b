import { isBase64 } from '../../../../src/infrastructure/http/api/schemas/base64';
import { BINARY_FILE_KEYWORD, documentedSchema, FileField } from '../../../../src/infrastructure/http/api/schemas/binary-file';

describe('isBase64', () => {
  it('accepts padded standard base64 and nothing else', () => {
    for (const good of ['', 'QUJD', 'QUI=', 'QQ==', Buffer.from('any bytes \u0000\u00ff').toString('base64')]) expect(isBase64(good)).toBe(true);
    for (const bad of ['QUJ', 'QUJD\n', 'QU=D', 'Q===', 'QR==', 'QUJD_-', 'QUJD RUZH', 'data:image/png;base64,QUJD']) expect(isBase64(bad)).toBe(false);
  });

  it('checks millions of characters without overflowing the regexp stack', () => {
    expect(isBase64(Buffer.alloc(6_000_000, 7).toString('base64'))).toBe(true);
  });
});

describe('documentedSchema', () => {
  it('documents file fields as OpenAPI binary strings without touching the route\'s schema', () => {
    const file = FileField('a photo');
    const schema = { type: 'object', properties: { image: file, list: { type: 'array', items: [file] } } };
    const documented = documentedSchema(schema);
    expect(documented).toEqual({
      type: 'object',
      properties: {
        image: { description: 'a photo', type: 'string', format: 'binary' },
        list: { type: 'array', items: [{ description: 'a photo', type: 'string', format: 'binary' }] },
      },
    });
    expect(file).toMatchObject({ [BINARY_FILE_KEYWORD]: true });
    expect((file as unknown as Record<string, unknown>).type).toBeUndefined();
  });
});
