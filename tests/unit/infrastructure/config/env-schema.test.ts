import {
  booleanVar,
  ConfigError,
  enumVar,
  integerVar,
  numberVar,
  readEnvironment,
  redactUrl,
  stringVar,
  urlVar,
  type Variable,
} from '../../../../src/infrastructure/config/env-schema';

/** The message a variable's parser rejects `raw` with. */
const rejection = (variable: Variable<unknown>, raw: string): string => {
  try {
    readEnvironment({ X: variable }, { X: raw });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    return (problems[0] as string).replace(/^X: /, '');
  }
  throw new Error(`'${raw}' was accepted`);
};

const parsed = <T>(variable: Variable<T>, raw: string): T => readEnvironment({ X: variable }, { X: raw }).X;

describe('numberVar', () => {
  const ratio = numberVar('a ratio', 0.5, { min: 0, max: 1 });

  it('parses decimals, with surrounding spaces, inside the bounds (inclusive)', () => {
    expect(parsed(ratio, '0.25')).toBe(0.25);
    expect(parsed(ratio, ' 1 ')).toBe(1);
    expect(parsed(ratio, '0')).toBe(0);
    expect(parsed(numberVar('any', undefined), '-1e3')).toBe(-1000);
  });

  it('rejects what is not a finite number', () => {
    expect(rejection(ratio, 'abc')).toBe("'abc' is not a number");
    expect(rejection(ratio, '   ')).toBe("'   ' is not a number");
    expect(rejection(ratio, 'Infinity')).toBe("'Infinity' is not a number");
    expect(rejection(ratio, '0.5x')).toBe("'0.5x' is not a number");
  });

  it('rejects values out of bounds', () => {
    expect(rejection(ratio, '-0.1')).toBe('-0.1 is below the minimum 0');
    expect(rejection(ratio, '1.5')).toBe('1.5 is above the maximum 1');
  });
});

describe('integerVar', () => {
  const port = integerVar('a port', 8003, 0, 65_535);

  it('parses whole numbers and keeps its default and description', () => {
    expect(parsed(port, '8080')).toBe(8080);
    expect(port.defaultValue).toBe(8003);
    expect(port.description).toBe('a port');
  });

  it('rejects fractions and out-of-range values', () => {
    expect(rejection(port, '80.5')).toBe("'80.5' is not a whole number");
    expect(rejection(port, '70000')).toBe('70000 is above the maximum 65535');
    expect(rejection(port, '-1')).toBe('-1 is below the minimum 0');
  });

  it('defaults to a minimum of 0 and no practical maximum', () => {
    const count = integerVar('a count', undefined);
    expect(rejection(count, '-3')).toBe('-3 is below the minimum 0');
    expect(parsed(count, String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('booleanVar', () => {
  const flag = booleanVar('a flag', false);

  it.each(['1', 'true', 'TRUE', 'yes', 'on', ' On '])('reads %p as true', (raw) => expect(parsed(flag, raw)).toBe(true));
  it.each(['0', 'false', 'False', 'no', 'off'])('reads %p as false', (raw) => expect(parsed(flag, raw)).toBe(false));

  it('rejects anything else', () => {
    expect(rejection(flag, 'maybe')).toBe("'maybe' is not a boolean (true/false)");
  });
});

describe('stringVar', () => {
  it('accepts any string without a pattern, verbatim', () => {
    expect(parsed(stringVar('a path', undefined), ' /tmp/x ')).toBe(' /tmp/x ');
  });

  it('checks the pattern when there is one', () => {
    const id = stringVar('an id', 'a', /^[a-z]+$/);
    expect(parsed(id, 'abc')).toBe('abc');
    expect(rejection(id, 'ABC')).toBe("'ABC' does not match /^[a-z]+$/");
  });
});

describe('enumVar', () => {
  const level = enumVar('a level', 'info', ['debug', 'info'] as const);

  it('accepts listed values case-insensitively, normalised to lower case', () => {
    expect(parsed(level, 'DEBUG')).toBe('debug');
    expect(parsed(level, ' info ')).toBe('info');
  });

  it('rejects other values and lists the allowed ones', () => {
    expect(rejection(level, 'verbose')).toBe("'verbose' is not one of debug, info");
  });
});

describe('urlVar', () => {
  const redis = urlVar('a redis URL', undefined, ['redis:', 'rediss:']);

  it('accepts URLs with an allowed protocol, verbatim', () => {
    expect(parsed(redis, 'redis://:secret@cache:6379/0')).toBe('redis://:secret@cache:6379/0');
    expect(parsed(redis, 'rediss://cache')).toBe('rediss://cache');
  });

  it('rejects other protocols without echoing the URL (and its credentials)', () => {
    const message = rejection(redis, 'http://user:secret@cache');
    expect(message).toBe('protocol http: is not one of redis:, rediss:');
    expect(message).not.toContain('secret');
  });

  it('rejects what is not a URL, with credentials redacted', () => {
    const message = rejection(redis, 'redis//user:secret@cache');
    expect(message).toBe("'redis//***@cache' is not a URL");
  });
});

describe('redactUrl', () => {
  it('hides user and password, and leaves URLs without credentials alone', () => {
    expect(redactUrl('redis://user:pa55@host:6379')).toBe('redis://***@host:6379');
    expect(redactUrl('redis://host:6379/0')).toBe('redis://host:6379/0');
  });
});

describe('readEnvironment', () => {
  const schema = {
    PORT: integerVar('port', 8003, 1, 65_535),
    RATIO: numberVar('ratio', 0.5, { min: 0, max: 1 }),
    DEBUG: booleanVar('debug', false),
    NAME: stringVar('name', undefined),
  };

  it('uses defaults for unset and empty variables, and parses the rest', () => {
    expect(readEnvironment(schema, {})).toEqual({ PORT: 8003, RATIO: 0.5, DEBUG: false, NAME: undefined });
    expect(readEnvironment(schema, { PORT: '', RATIO: '0.75', DEBUG: 'yes', NAME: 'x' })).toEqual({
      PORT: 8003,
      RATIO: 0.75,
      DEBUG: true,
      NAME: 'x',
    });
  });

  it('ignores variables outside the schema', () => {
    expect(readEnvironment(schema, { UNRELATED: 'whatever' })).not.toHaveProperty('UNRELATED');
  });

  it('lists every bad value together, one message per variable, in schema order', () => {
    let caught: unknown;
    try {
      readEnvironment(schema, { DEBUG: 'perhaps', PORT: '0', RATIO: 'half' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.code).toBe('config_error');
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toEqual([
      'PORT: 0 is below the minimum 1',
      "RATIO: 'half' is not a number",
      "DEBUG: 'perhaps' is not a boolean (true/false)",
    ]);
    expect(error.message).toBe(
      "invalid configuration:\n  - PORT: 0 is below the minimum 1\n  - RATIO: 'half' is not a number\n  - DEBUG: 'perhaps' is not a boolean (true/false)",
    );
  });

  it('does not hide bugs: an unexpected error from a parser propagates as is', () => {
    const broken: Variable<number> = {
      description: 'broken',
      defaultValue: 0,
      parse: () => {
        throw new TypeError('parser bug');
      },
    };
    expect(() => readEnvironment({ BROKEN: broken }, { BROKEN: '1' })).toThrow(TypeError);
  });
});
