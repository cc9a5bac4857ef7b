/**
 * A tiny declarative reader for environment variables: every variable has a
 * parser, a default and a description, and reading collects one message per
 * bad value instead of stopping at the first.
 */
export interface Variable<T> {
  readonly description: string;
  readonly defaultValue: T | undefined;
  parse(raw: string): T;
}

export class ConfigError extends Error {
  readonly code = 'config_error';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

class InvalidValue extends Error {}

/** Rejects a raw value: the message becomes one line of the ConfigError (never echo a secret in it). */
export const invalid = (message: string): never => {
  throw new InvalidValue(message);
};

export function numberVar(
  description: string,
  defaultValue: number | undefined,
  bounds: { min?: number; max?: number; integer?: boolean } = {},
): Variable<number> {
  return {
    description,
    defaultValue,
    parse(raw) {
      const value = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(value)) return invalid(`'${raw}' is not a number`);
      if (bounds.integer && !Number.isInteger(value)) return invalid(`'${raw}' is not a whole number`);
      if (bounds.min !== undefined && value < bounds.min) return invalid(`${value} is below the minimum ${bounds.min}`);
      if (bounds.max !== undefined && value > bounds.max) return invalid(`${value} is above the maximum ${bounds.max}`);
      return value;
    },
  };
}

export const integerVar = (description: string, defaultValue: number | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): Variable<number> =>
  numberVar(description, defaultValue, { min, max, integer: true });

export function booleanVar(description: string, defaultValue: boolean): Variable<boolean> {
  return {
    description,
    defaultValue,
    parse(raw) {
      const value = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(value)) return true;
      if (['0', 'false', 'no', 'off'].includes(value)) return false;
      return invalid(`'${raw}' is not a boolean (true/false)`);
    },
  };
}

export function stringVar(description: string, defaultValue: string | undefined, pattern?: RegExp): Variable<string> {
  return {
    description,
    defaultValue,
    parse(raw) {
      if (pattern && !pattern.test(raw)) return invalid(`'${raw}' does not match ${pattern}`);
      return raw;
    },
  };
}

export function enumVar<T extends string>(description: string, defaultValue: T, values: readonly T[]): Variable<T> {
  return {
    description,
    defaultValue,
    parse(raw) {
      const value = raw.trim().toLowerCase() as T;
      return values.includes(value) ? value : invalid(`'${raw}' is not one of ${values.join(', ')}`);
    },
  };
}

export function urlVar(description: string, defaultValue: string | undefined, protocols: readonly string[]): Variable<string> {
  return {
    description,
    defaultValue,
    parse(raw) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return invalid(`'${redactUrl(raw)}' is not a URL`);
      }
      if (!protocols.includes(url.protocol)) return invalid(`protocol ${url.protocol} is not one of ${protocols.join(', ')}`);
      return raw;
    },
  };
}

/** Hides credentials in URLs that appear in messages. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/([^@/]*)@/, '//***@');
}

export type Schema = Record<string, Variable<unknown>>;
export type Values<S extends Schema> = { [K in keyof S]: S[K] extends Variable<infer T> ? T : never };

export function readEnvironment<S extends Schema>(schema: S, env: Readonly<Record<string, string | undefined>>): Values<S> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(schema)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      values[name] = variable.defaultValue;
      continue;
    }
    try {
      values[name] = variable.parse(raw);
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      problems.push(`${name}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as Values<S>;
}
