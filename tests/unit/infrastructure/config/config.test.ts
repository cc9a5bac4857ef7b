import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_SCHEMA, loadConfig, PACKAGE_ROOT } from '../../../../src/infrastructure/config/config';
import { ConfigError } from '../../../../src/infrastructure/config/env-schema';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('configuration was accepted');
};

describe('loadConfig', () => {
  it('has working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      MODEL_DIR: resolve(PACKAGE_ROOT, 'models', 'default'),
      EXECUTION_PROVIDER: 'cpu',
      DETECTION_THRESHOLD: 0.7,
      NMS_IOU_THRESHOLD: 0.4,
      MAX_FACES_PER_IMAGE: 64,
      MIN_FACE_SIZE: 16,
      MIN_SHARPNESS: 16,
      MAX_YAW_DEGREES: 60,
      MATCH_THRESHOLD: 0.276,
      IDENTIFY_THRESHOLD: 0.42,
      FLIP_TTA: false,
      MAX_IMAGE_PIXELS: 64_000_000,
      MIN_IMAGE_SIDE: 16,
      LOG_LEVEL: 'info',
    });
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.ORCHESTRATOR_URL).toBeUndefined();
  });

  it('gives every schema variable a default or leaves it explicitly unset', () => {
    const config = loadConfig({});
    for (const [name, variable] of Object.entries(CONFIG_SCHEMA)) {
      expect(config[name as keyof typeof config]).toBe(variable.defaultValue);
      expect(variable.description.length).toBeGreaterThan(0);
    }
  });

  it('resolves the package root independently of the working directory', () => {
    expect(resolve(PACKAGE_ROOT, 'src', 'infrastructure', 'config', 'config.ts')).toBe(resolve(__dirname, '../../../../src/infrastructure/config/config.ts'));
  });

  it('reads values from the given environment, not process.env', () => {
    const config = loadConfig({ MATCH_THRESHOLD: '0.42', FLIP_TTA: 'true', EXECUTION_PROVIDER: 'CUDA', MAX_FACES_PER_IMAGE: '5', LOG_LEVEL: 'warn' });
    expect(config).toMatchObject({ MATCH_THRESHOLD: 0.42, FLIP_TTA: true, EXECUTION_PROVIDER: 'cuda', MAX_FACES_PER_IMAGE: 5, LOG_LEVEL: 'warn' });
  });

  it('keeps the 1:N identification threshold apart from the 1:1 match threshold, each validated', () => {
    expect(loadConfig({ IDENTIFY_THRESHOLD: '0.5' })).toMatchObject({ IDENTIFY_THRESHOLD: 0.5, MATCH_THRESHOLD: 0.276 });
    expect(loadConfig({ MATCH_THRESHOLD: '0.3' })).toMatchObject({ IDENTIFY_THRESHOLD: 0.42, MATCH_THRESHOLD: 0.3 });
    expect(problemsOf({ IDENTIFY_THRESHOLD: '1.5' })).toEqual(['IDENTIFY_THRESHOLD: 1.5 is above the maximum 1']);
    expect(problemsOf({ IDENTIFY_THRESHOLD: '-2' })).toEqual(['IDENTIFY_THRESHOLD: -2 is below the minimum -1']);
    expect(problemsOf({ IDENTIFY_THRESHOLD: 'strict', MATCH_THRESHOLD: 'loose' })).toEqual([
      "MATCH_THRESHOLD: 'loose' is not a number",
      "IDENTIFY_THRESHOLD: 'strict' is not a number",
    ]);
  });

  it('reports one message per bad value', () => {
    expect(problemsOf({ MATCH_THRESHOLD: '2' })).toEqual(['MATCH_THRESHOLD: 2 is above the maximum 1']);
    expect(problemsOf({ MAX_FACES_PER_IMAGE: '0' })).toEqual(['MAX_FACES_PER_IMAGE: 0 is below the minimum 1']);
    expect(problemsOf({ EXECUTION_PROVIDER: 'tpu' })).toEqual(["EXECUTION_PROVIDER: 'tpu' is not one of cpu, cuda"]);
    expect(problemsOf({ EMBEDDER_PRECISION: 'int4' })).toEqual(["EMBEDDER_PRECISION: 'int4' is not one of f32, int8"]);
    expect(problemsOf({ MAX_YAW_DEGREES: '91' })).toEqual(['MAX_YAW_DEGREES: 91 is above the maximum 90']);
  });

  it('lists all bad values together', () => {
    const problems = problemsOf({
      DETECTION_THRESHOLD: 'high',
      MIN_FACE_SIZE: '-1',
      FLIP_TTA: 'sometimes',
      MAX_IMAGE_PIXELS: '1.5',
      HTTP_PORT: '70000',
      REDIS_URL: 'http://cache:6379',
      PROCESSOR_ID: 'has spaces',
    });
    expect(problems).toHaveLength(7);
    expect(problems).toEqual(
      expect.arrayContaining([
        "DETECTION_THRESHOLD: 'high' is not a number",
        'MIN_FACE_SIZE: -1 is below the minimum 0',
        "FLIP_TTA: 'sometimes' is not a boolean (true/false)",
        "MAX_IMAGE_PIXELS: '1.5' is not a whole number",
        'HTTP_PORT: 70000 is above the maximum 65535',
        'REDIS_URL: protocol http: is not one of redis:, rediss:',
        expect.stringMatching(/^PROCESSOR_ID: 'has spaces' does not match/),
      ]),
    );
  });

  it('never echoes credentials of a malformed URL', () => {
    const [problem] = problemsOf({ REDIS_URL: 'redis//admin:hunter2@cache' });
    expect(problem).toBe("REDIS_URL: 'redis//***@cache' is not a URL");
  });

  it('reads API keys from API_KEYS and API_KEYS_FILE, and reports bad ones without their secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'facerec-keys-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, '# clients\nmobile:mobile-secret-0123456789\n');
      const config = loadConfig({ API_KEYS: 'web:web-secret-0123456789', API_KEYS_FILE: file });
      expect(config.API_KEYS).toEqual([{ id: 'web', secret: 'web-secret-0123456789' }]);
      expect(config.API_KEYS_FILE).toEqual({ path: file, keys: [{ id: 'mobile', secret: 'mobile-secret-0123456789' }] });
      const problems = problemsOf({ API_KEYS: 'web:tooshort', API_KEYS_FILE: join(dir, 'missing') });
      expect(problems).toEqual([
        "API_KEYS: key 'web': the secret must be 16 to 256 characters long",
        `API_KEYS_FILE: cannot read ${join(dir, 'missing')}: ENOENT`,
      ]);
      expect(problems.join('\n')).not.toContain('tooshort');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has API limits that hold three 6 MB JPEGs (4K camera photos) in base64 and ten images per request by default', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ API_RATE_LIMIT: 600, API_MAX_IMAGES: 10, API_REQUEST_TIMEOUT_MS: 30_000, API_MAX_CONCURRENT: 2, API_MAX_QUEUED: 16 });
    expect(config.API_BODY_LIMIT_BYTES).toBeGreaterThanOrEqual(Math.ceil((3 * 6_000_000 * 4) / 3));
    expect(problemsOf({ API_MAX_CONCURRENT: '0' })).toEqual(['API_MAX_CONCURRENT: 0 is below the minimum 1']);
  });
});
