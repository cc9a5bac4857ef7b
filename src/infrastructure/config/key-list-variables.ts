import { readFileSync } from 'node:fs';
import { invalid, type Variable } from './env-schema';

/** A key-list file once read: where the keys came from, and the keys. */
export interface KeyListFile<K> {
  readonly path: string;
  readonly keys: readonly K[];
}

/**
 * Parses `keyid:secret` entries (API keys, gallery encryption keys). The
 * parser throws `Invalid` with a message that names entries and key ids,
 * never key material; any other error is reported as it is.
 */
export interface KeyListParser<K> {
  readonly parse: (text: string) => K[];
  readonly Invalid: new (...args: never[]) => Error;
}

const keysOf = <K>(parser: KeyListParser<K>, text: string): K[] => {
  try {
    return parser.parse(text);
  } catch (error) {
    return invalid(error instanceof parser.Invalid ? error.message : String(error));
  }
};

/** `keyid:secret,…` in the variable itself, validated at start-up; problems never quote a secret. */
export function keyListVar<K>(description: string, parser: KeyListParser<K>): Variable<readonly K[]> {
  return { description, defaultValue: undefined, parse: (raw) => keysOf(parser, raw) };
}

/** A file of `keyid:secret` lines, read and validated at start-up. */
export function keyListFileVar<K>(description: string, parser: KeyListParser<K>): Variable<KeyListFile<K>> {
  return {
    description,
    defaultValue: undefined,
    parse(raw) {
      let text: string;
      try {
        text = readFileSync(raw, 'utf8');
      } catch (error) {
        return invalid(`cannot read ${raw}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      return { path: raw, keys: keysOf(parser, text) };
    },
  };
}
