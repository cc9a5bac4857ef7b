import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort } from '../../support/redis-server';
import { waitFor } from '../../support/service-process';
import { CONFIG_SCHEMA } from '../../../src/infrastructure/config/config';
import { describeUnlessMissing } from '../../support/skip';

const root = join(__dirname, '..', '..', '..');

/** The container's start command, from the Dockerfile's exec-form CMD. */
function dockerfileCommand(): string[] {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
  if (!cmd) throw new Error('Dockerfile has no exec-form CMD');
  return JSON.parse(cmd) as string[];
}

/** The container's start command as a child process, with only what a newcomer's shell has plus `env`. */
function spawnStartCommand(env: Record<string, string>) {
  const [command, ...args] = dockerfileCommand();
  const child = spawn(command as string, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stderr: '' };
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exit };
}

function composeBinary(): string[] | null {
  for (const candidate of [['docker', 'compose'], ['docker-compose']]) {
    try {
      execFileSync(candidate[0] as string, [...candidate.slice(1), 'version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not installed
    }
  }
  return null;
}

const compose = composeBinary();

/** `docker compose …` / `docker-compose …` in the repository, without variables that would change the file's defaults. */
function runCompose(args: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): string {
  if (!compose) throw new Error('unreachable: the tests are skipped without compose');
  const env = { ...process.env };
  for (const name of ['FRAME_BUFFER_V2_IMAGE', 'ORCHESTRATOR_URL', 'PROCESSOR_ID', 'LOADGEN_RATE', 'COMPOSE_PROFILES', 'COMPOSE_FILE']) delete env[name];
  // Required by the file (the gallery is encrypted in Redis); a test that wants it unset passes an empty value.
  env.GALLERY_ENCRYPTION_KEY = extraEnv.GALLERY_ENCRYPTION_KEY ?? `compose-test:${Buffer.alloc(32, 7).toString('base64')}`;
  if (env.GALLERY_ENCRYPTION_KEY === '') delete env.GALLERY_ENCRYPTION_KEY;
  return execFileSync(compose[0] as string, [...compose.slice(1), ...args], { cwd: root, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

interface ComposeService {
  readonly image?: string;
  readonly profiles?: string[];
  readonly environment?: Record<string, string>;
  readonly command?: string[];
  readonly init?: boolean;
  readonly stop_grace_period?: string;
  readonly healthcheck?: { readonly test?: string[] };
  readonly depends_on?: string[] | Record<string, { readonly condition?: string }>;
}

/** The file as compose resolves it (anchors merged, variables substituted), with every profile on. */
function resolvedCompose(): { services: Record<string, ComposeService> } {
  // js-yaml comes with Jest (a transitive dependency): the tests need no YAML parser of their own.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('js-yaml') as { load(text: string): unknown };
  return yaml.load(runCompose(['--profile', 'gpu', '--profile', 'pipeline', 'config'])) as { services: Record<string, ComposeService> };
}

/** dependency → condition (the short list form means service_started). */
function dependencies(service: ComposeService): Record<string, string> {
  const dependsOn = service.depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([name, spec]) => [name, spec.condition ?? 'service_started']));
}

/** "30s", "1m30s" → seconds. */
function seconds(duration: string | undefined): number {
  let total = 0;
  for (const [, value, unit] of (duration ?? '').matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms)/g)) total += Number(value) * { h: 3600, m: 60, s: 1, ms: 0.001 }[unit as 'h' | 'm' | 's' | 'ms'];
  return total;
}

describe('deployment files', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
  });

  it('npm start runs the same command as the container', () => {
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
    expect(start.endsWith(dockerfileCommand().join(' '))).toBe(true);
  });

  describeUnlessMissing(compose ? null : 'neither `docker compose` nor `docker-compose` is installed')('docker-compose.yml (checked without an engine)', () => {
    it('is valid with and without the pipeline profile, and names every service', () => {
      expect(runCompose(['config', '-q'])).toBe('');
      expect(runCompose(['--profile', 'pipeline', 'config', '-q'])).toBe('');
      expect(runCompose(['config', '--profiles']).split('\n').filter(Boolean).sort()).toEqual(['gpu', 'pipeline']);
      const services = runCompose(['--profile', 'gpu', '--profile', 'pipeline', 'config', '--services']);
      expect(services.split('\n').filter(Boolean).sort()).toEqual(
        ['face-recognition', 'face-recognition-2', 'face-recognition-gpu', 'frame-buffer-v2', 'grafana', 'jaeger', 'loadgen', 'pipeline-init', 'prometheus', 'redis'].sort(),
      );
    });

    it('refuses to run without GALLERY_ENCRYPTION_KEY, saying how to make one', () => {
      let stderr = '';
      try {
        runCompose(['config', '-q'], { GALLERY_ENCRYPTION_KEY: '' });
      } catch (error) {
        stderr = String((error as { stderr?: unknown }).stderr ?? error);
      }
      expect(stderr).toContain('set GALLERY_ENCRYPTION_KEY=gallery-1:');
    });

    it('pipeline profile: the orchestrator with its Redis settings and health check, a processor that waits for it, and a load generator that waits for that one', () => {
      const { services } = resolvedCompose();
      const orchestrator = services['frame-buffer-v2'] as ComposeService;
      expect(orchestrator).toEqual(
        expect.objectContaining({
          image: 'ghcr.io/hretheum/detektr/frame-buffer-v2:latest',
          profiles: ['pipeline'],
          environment: expect.objectContaining({ REDIS_URL: 'redis://redis:6379/0', INPUT_STREAM: 'frames:metadata', PORT: '8002' }),
          healthcheck: expect.objectContaining({ test: expect.arrayContaining([expect.stringContaining('http://127.0.0.1:8002/health')]) }),
        }),
      );
      expect(dependencies(orchestrator)).toEqual(expect.objectContaining({ redis: 'service_healthy', 'pipeline-init': 'service_completed_successfully' }));

      const processor = services['face-recognition-2'] as ComposeService;
      expect(processor.profiles).toEqual(['pipeline']);
      expect(processor.environment).toEqual(expect.objectContaining({ ORCHESTRATOR_URL: 'http://frame-buffer-v2:8002', PROCESSOR_ID: 'face-recognition-2' }));
      expect(dependencies(processor)).toEqual(expect.objectContaining({ 'frame-buffer-v2': 'service_healthy', redis: 'service_healthy' }));
      // Healthy once registered with the orchestrator and consuming.
      expect(processor.healthcheck?.test?.join(' ')).toContain('/ready');

      const loadgen = services.loadgen as ComposeService;
      expect(loadgen.profiles).toEqual(['pipeline']);
      expect(loadgen.command).toEqual(expect.arrayContaining(['dist/cli.js', 'loadgen', '--stream=frames:metadata', '--images=samples']));
      expect(dependencies(loadgen)).toEqual({ 'face-recognition-2': 'service_healthy' });
    });

    it('`docker compose up` without a profile stays valid: no service depends on one of a profile it is not in', () => {
      const { services } = resolvedCompose();
      const misplaced: string[] = [];
      for (const [name, service] of Object.entries(services)) {
        for (const dependency of Object.keys(dependencies(service))) {
          const needed = services[dependency]?.profiles ?? [];
          if (needed.length > 0 && !needed.some((profile) => (service.profiles ?? []).includes(profile))) misplaced.push(`${name} -> ${dependency}`);
        }
      }
      expect(misplaced).toEqual([]);
      expect(services['face-recognition']?.profiles ?? []).toEqual([]);
    });

    it('processors stop gracefully: an init forwards SIGTERM, and the grace period outlasts SHUTDOWN_TIMEOUT_S', () => {
      const { services } = resolvedCompose();
      for (const name of ['face-recognition', 'face-recognition-2', 'face-recognition-gpu']) {
        const service = services[name] as ComposeService;
        expect({ name, init: service.init, grace: seconds(service.stop_grace_period) > Number(CONFIG_SCHEMA.SHUTDOWN_TIMEOUT_S.defaultValue) + 5 }).toEqual({
          name,
          init: true,
          grace: true,
        });
      }
    });
  });

  it('the start command with no environment processes the sample photos and serves /health', async () => {
    const port = await findFreePort();
    // A free port and the one-shot switch, nothing else.
    const { child, output, exit } = spawnStartCommand({ HTTP_PORT: String(port), EXIT_WHEN_DONE: 'true' });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));

    let health = null as { status?: string; processor_id?: string } | null;
    for (let attempt = 0; attempt < 600 && health === null && child.exitCode === null; attempt += 1) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        health = (await response.json()) as typeof health;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const code = await exit;
    expect({ code, stderr: code === 0 ? '' : output.stderr }).toEqual({ code: 0, stderr: '' });
    expect(health?.processor_id).toBe('face-recognition-1');

    const results = stdout.trim().split('\n').map((line) => JSON.parse(line) as { frame_id: string; faces_count: string; faces: unknown[] });
    expect(results.map((r) => r.frame_id).sort()).toEqual(['sample1.jpg', 'sample2.jpg', 'sample3.jpg', 'sample4.jpg', 'sample5.jpg', 'sample6.jpg']);
    for (const result of results) {
      expect(Number(result.faces_count)).toBeGreaterThan(0);
      expect(result.faces).toHaveLength(Number(result.faces_count));
    }
  });
  it('the start command runs the service on jemalloc where the system has it, and FACEREC_ALLOCATOR=system opts out (adr/0010)', async () => {
    const allocatorOf = async (env: Record<string, string>): Promise<{ jemalloc: boolean; code: number | null }> => {
      const port = await findFreePort();
      const { child, output, exit } = spawnStartCommand({ HTTP_PORT: String(port), ...env });
      try {
        await waitFor(async () => child.exitCode === null && (await fetch(`http://127.0.0.1:${port}/health`)).ok, {
          timeoutMs: 100_000,
          what: () => `the start command to serve /health (stderr: ${output.stderr.slice(-500)})`,
        });
        // The launcher execs node: the child's own memory map says which allocator it runs on.
        const jemalloc = readFileSync(`/proc/${child.pid}/maps`, 'utf8').includes('libjemalloc');
        child.kill('SIGTERM');
        return { jemalloc, code: await exit };
      } finally {
        child.kill('SIGKILL');
      }
    };
    expect(await allocatorOf({})).toEqual({ jemalloc: true, code: 0 });
    expect(await allocatorOf({ FACEREC_ALLOCATOR: 'system' })).toEqual({ jemalloc: false, code: 0 });
  }, 240_000);

  it('the start command refuses an unknown FACEREC_ALLOCATOR with one clear line', async () => {
    const { output, exit } = spawnStartCommand({ FACEREC_ALLOCATOR: 'tcmalloc' });
    expect(await exit).toBe(2);
    expect(output.stderr.trim()).toBe("with-jemalloc: FACEREC_ALLOCATOR must be jemalloc or system, not 'tcmalloc'");
  });

  it('the start command stops gracefully on SIGINT (Ctrl-C on `node dist/main.js`): exit 0 after a drained stop', async () => {
    const port = await findFreePort();
    const { child, output, exit } = spawnStartCommand({ HTTP_PORT: String(port), LOG_LEVEL: 'info' });
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    while (!output.stderr.includes('"msg":"embedded input processed"') && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGINT');
    const code = await exit;
    clearTimeout(timer);
    expect({ code, stderr: code === 0 ? '' : output.stderr }).toEqual({ code: 0, stderr: '' });
    expect(output.stderr).toContain('"reason":"SIGINT","msg":"shutting down"');
    expect(output.stderr).toContain('"drained":true,"msg":"stopped"');
  });

  it('stops cleanly, exit 0, when the reader of its results goes away (`npm start | head -n 1`)', async () => {
    const port = await findFreePort();
    // Enough passes over the samples that results are still flowing when the reader leaves.
    const { child, output, exit } = spawnStartCommand({ HTTP_PORT: String(port), INPUT_REPEAT: '1000' });
    // Read the first result line, then close the pipe as `head -n 1` does.
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('\n')) {
          child.stdout.destroy();
          resolve();
        }
      });
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exit;
    clearTimeout(timer);
    expect({ code, crashed: /Unhandled 'error' event|EPIPE\n\s+at /.test(output.stderr) }).toEqual({ code: 0, crashed: false });
    expect(output.stderr).toContain('result output closed; stopping');
    expect(output.stderr).toContain('"msg":"stopped"');
  });
});
