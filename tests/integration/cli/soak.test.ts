import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, REPO_ROOT, cliError, runCli } from '../../support/cli';
import { ensureServiceBuilt } from '../../support/service-process';

/**
 * `facerec soak` in miniature (15 s of capacity, 30 s of soak, 5 s windows):
 * it starts its own redis-server and service, reports every figure, writes
 * soak.csv and soak.svg, and its exit code says whether the targets were met.
 * The targets themselves are not asserted — a half-minute run on a shared
 * machine says nothing about a 30-minute soak — except that no frame is lost
 * or doubled, which is correctness, not speed.
 */

jest.setTimeout(600_000);

const NUMBER = String.raw`-?\d+(?:\.\d+)?`;

describe('facerec soak', () => {
  const out = mkdtempSync(join(tmpdir(), 'facerec-soak-'));

  beforeAll(async () => {
    await ensureServiceBuilt();
  }, 300_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('refuses a run without --out, and a fraction or duration it cannot use, as usage errors', async () => {
    const noOut = await runCli(['soak']);
    expect(noOut.code).toBe(2);
    expect(cliError(noOut.stderr)).toEqual({ code: 'usage', message: 'soak needs --out <dir>' });
    const fraction = await runCli(['soak', '--out', out, '--fraction', '1.5']);
    expect(cliError(fraction.stderr)).toEqual({ code: 'usage', message: "--fraction must be a number in (0, 1], got '1.5'" });
    const duration = await runCli(['soak', '--out', out, '--duration', 'ten minutes']);
    expect(cliError(duration.stderr)).toEqual({ code: 'usage', message: "--duration must be a duration such as 90s, 30m or 1h, got 'ten minutes'" });
  });

  it('measures capacity, soaks at the fraction of it, and reports growth, lost and duplicated frames, a CSV and an SVG', async () => {
    const run = await runCli(['soak', '--out', out, '--duration', '30s', '--calibrate', '15s', '--interval', '1s', '--window', '5m', '--fraction', '0.5']);
    expect(run.stderr).not.toMatch(/"error"/);
    expect([0, 1]).toContain(run.code);
    const lines = run.stdout.trim().split('\n');
    const line = (prefix: string): string => {
      const found = lines.find((l) => l.startsWith(prefix));
      expect(found).toBeDefined();
      return found as string;
    };

    // A 30 s soak compares its first and last sixth, not 5 minutes.
    expect(line('soak: ')).toContain('soak: 30s at 50% of the capacity measured first (15s, a backlog of 48 frames kept waiting); /metrics scraped every 1s; growth compared between the first and the last 5s of the soak');
    expect(line('frames: 6 1080p JPEGs')).toContain('3/3/3/4/5/4 faces');
    const capacity = Number(new RegExp(`^capacity: (${NUMBER}) frames/s`).exec(line('capacity: '))?.[1]);
    expect(capacity).toBeGreaterThan(0);
    const rate = new RegExp(`^soak rate: (${NUMBER}) frames/s \\(50% of capacity\\); sent (\\d+) frames in (${NUMBER}) s$`).exec(line('soak rate: '));
    expect(Number(rate?.[1])).toBeCloseTo(capacity * 0.5, 1);
    expect(Number(rate?.[2])).toBeGreaterThan(0);

    const frames = /^frames: sent (\d+) \(capacity phase and soak\), results for (\d+), lost (\d+), duplicated (\d+), dead-lettered (\d+)$/.exec(line('frames: sent'));
    expect(frames?.slice(2)).toEqual([frames?.[1], '0', '0', '0']);
    for (const [name, unit] of [['rss', 'MB'], ['heap used', 'MB'], ['event-loop lag p99', 'ms']]) {
      expect(line(`${name}: `)).toMatch(
        new RegExp(`^${name}: first window median ${NUMBER} ${unit} \\(IQR ${NUMBER}\\.\\.${NUMBER}, \\d+ samples\\), last window median ${NUMBER} ${unit} \\(IQR ${NUMBER}\\.\\.${NUMBER}, \\d+ samples\\), growth [+-]${NUMBER}%`),
      );
    }
    expect(line('load average ')).toMatch(/service exit code 0 after SIGTERM/);
    // The exit code follows the verdict.
    expect(lines.at(-1)).toBe(run.code === 0 ? 'result: every target met' : lines.at(-1));
    if (run.code === 1) expect(lines.at(-1)).toMatch(/^result: target missed: /);

    const csv = readFileSync(join(out, 'soak.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('seconds,phase,rss_bytes,heap_used_bytes,eventloop_lag_p99_ms,frames_done,backlog,load1');
    const rows = csv.slice(1).map((row) => row.split(','));
    expect(line('files: ')).toBe(`files: ${join(out, 'soak.csv')} (${rows.length} samples), ${join(out, 'soak.svg')}`);
    const phases = rows.map((r) => r[1]);
    expect(phases[0]).toBe('capacity');
    expect(phases).toContain('soak');
    // Phases in order, never back.
    const order = ['capacity', 'drain', 'soak', 'final-drain'];
    expect(phases.map((p) => order.indexOf(p as string))).toEqual([...phases.map((p) => order.indexOf(p as string))].sort((a, b) => a - b));
    for (const r of rows) {
      expect(Number(r[2])).toBeGreaterThan(0);
      expect(Number(r[3])).toBeGreaterThan(0);
      expect(Number(r[4])).toBeGreaterThanOrEqual(0);
    }
    // About one sample per second over the soak.
    expect(phases.filter((p) => p === 'soak').length).toBeGreaterThanOrEqual(20);
    // Frames done never decreases.
    const done = rows.map((r) => Number(r[5]));
    expect(done).toEqual([...done].sort((a, b) => a - b));

    const svg = readFileSync(join(out, 'soak.svg'), 'utf8');
    expect(svg).toMatch(/^<\?xml/);
    expect(svg.match(/class="panel"/g)).toHaveLength(4);
    expect(svg).toContain('RSS (MB)');
    expect(svg).toContain('event-loop lag p99 per scrape (ms)');
  });

  it('stops its service and redis-server when interrupted, and exits 130 after SIGINT', async () => {
    const soak = spawn(process.execPath, [CLI_PATH, 'soak', '--out', out, '--duration', '10m', '--calibrate', '10m'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    soak.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const serviceLine = await new Promise<RegExpExecArray>((resolve, reject) => {
      soak.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const found = /\(pid (\d+)\) with its defaults, REDIS_URL=redis:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
        if (found) resolve(found);
      });
      soak.once('exit', () => reject(new Error(`soak exited before starting its service: ${stdout}${stderr}`)));
    });
    const servicePid = Number(serviceLine[1]);
    const redisPort = Number(serviceLine[2]);
    const exited = new Promise<number | null>((resolve) => soak.once('exit', (code) => resolve(code)));
    soak.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/SIGINT: stopping 2 child process\(es\) of the benchmark/);
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(servicePid)).toBe(false);
    const redisAnswers = await new Promise<boolean>((resolve) => {
      const socket = connect(redisPort, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    expect(redisAnswers).toBe(false);
  });
});
