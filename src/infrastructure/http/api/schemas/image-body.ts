import { Type, type Static } from '@sinclair/typebox';
import { FileField } from './binary-file';

/** An image in a JSON body. */
export const Base64Image = Type.String({
  format: 'byte',
  minLength: 4,
  description: 'The image file (JPEG, PNG, WebP …) in standard base64 (RFC 4648 §4) without line breaks, e.g. `base64 -w0 photo.jpg`.',
});

export const JsonImageBody = Type.Object({ image: Base64Image }, { description: 'One image, base64 in JSON.' });
export const MultipartImageBody = Type.Object(
  { image: FileField('The image file (JPEG, PNG, WebP …), e.g. `curl -F image=@photo.jpg`.') },
  { description: 'One image, as a multipart file field.' },
);

/** The body of a route that takes one image, either way; validated per Content-Type (other types: 415). */
export const singleImageBody = {
  content: {
    'application/json': { schema: JsonImageBody },
    'multipart/form-data': { schema: MultipartImageBody },
  },
};

export type SingleImageBody = Static<typeof JsonImageBody> | Static<typeof MultipartImageBody>;

/** The bytes of an image field: base64 text (already validated by the schema) or an uploaded file. */
export const imageBytes = (image: string | Buffer): Uint8Array => (typeof image === 'string' ? Buffer.from(image, 'base64') : image);
