import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort } from '../../support/redis-server';
import { itUnlessMissing } from '../../support/skip';

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

describe('deployment files', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root });
  });

  it('npm start runs the same command as the container', () => {
    const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
    expect(start.endsWith(dockerfileCommand().join(' '))).toBe(true);
  });

  itUnlessMissing(compose ? null : 'neither `docker compose` nor `docker-compose` is installed')('docker-compose.yml is valid (checked without an engine)', () => {
    if (!compose) throw new Error('unreachable: the test is skipped without compose');
    const services = execFileSync(compose[0] as string, [...compose.slice(1), '--profile', 'gpu', '--profile', 'pipeline', 'config', '--services'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(services.split('\n').filter(Boolean).sort()).toEqual(
      ['face-recognition', 'face-recognition-gpu', 'frame-buffer-v2', 'grafana', 'jaeger', 'prometheus', 'redis'].sort(),
    );
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
