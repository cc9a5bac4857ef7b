import type { SealedBody } from './record-sealer';

/** A sealed body in JSON (file store, backups, session candidates): binary fields in base64. */
export interface SealedJson {
  readonly keyId: string | null;
  readonly iv: string;
  readonly tag: string;
  readonly body: string;
}

export const sealedToJson = (sealed: SealedBody): SealedJson => ({
  keyId: sealed.keyId,
  iv: sealed.iv.toString('base64'),
  tag: sealed.tag.toString('base64'),
  body: sealed.body.toString('base64'),
});

export function sealedFromJson(json: SealedJson): SealedBody {
  if (typeof json.iv !== 'string' || typeof json.tag !== 'string' || typeof json.body !== 'string' || !(json.keyId === null || typeof json.keyId === 'string')) {
    throw new Error('not a sealed body');
  }
  return { keyId: json.keyId, iv: Buffer.from(json.iv, 'base64'), tag: Buffer.from(json.tag, 'base64'), body: Buffer.from(json.body, 'base64') };
}
