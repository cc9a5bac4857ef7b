/**
 * The face-recognition service (`node dist/main.js`) as a real child process
 * for runtime integration tests: environment, JSON log lines (stderr), HTTP
 * /health and /ready, signals, exit.
 *
 *   await ensureServiceBuilt();
 *   const service = await ServiceProcess.start({ REDIS_URL: redis.url, PROCESSOR_ID: 'p1' });
 *   await service.waitForLog('consuming frames');
 *   ...
 *   await service.terminate();          // SIGTERM, SIGKILL after a grace period
 *   await stopAllServices();            // afterAll / afterEach: every child still alive
 *
 *   // The way a user starts it, e.g. `npm start` in a scratch checkout (its own dist/):
 *   const npmStart = await ServiceProcess.start(env, { command: ['npm', 'start'], cwd: scratchCheckout() });
 *   npmStart.signal('SIGTERM');         // to npm, the process the user started
 *   npmStart.groupAlive();              // false once no process of its group is left
 *
 * Every child (with its process group) is killed when the test process exits, even after a failure.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_SCHEMA } from '../../src/infrastructure/config/config';
import { findFreePort } from './redis-server';

export const REPO_ROOT = resolve(__dirname, '..', '..');
/** The service entry point; FACEREC_SERVICE_MAIN runs the tests against another build (then nothing is compiled here). */
export const SERVICE_MAIN = process.env.FACEREC_SERVICE_MAIN ?? join(REPO_ROOT, 'dist', 'main.js');

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Polls `probe` until it returns something other than undefined / false /
 * null, or throws after `timeoutMs` with `what` (and the last probe error).
 * Deadlines are generous on purpose: the machine is shared and noisy.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number; readonly what?: string | (() => string) } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const what = typeof options.what === 'function' ? options.what() : (options.what ?? 'a condition');
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}

/** The newest modification time (ms) of any file under `dir`. */
export function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const isStale = (): boolean => !existsSync(SERVICE_MAIN) || statSync(SERVICE_MAIN).mtimeMs < newestMtime(join(REPO_ROOT, 'src'));

/**
 * Builds dist/ (tsconfig.build.json) when dist/main.js is missing or older
 * than a file of src/. A directory lock serialises Jest workers that would
 * otherwise compile into dist/ at the same time.
 */
export async function ensureServiceBuilt(): Promise<void> {
  if (process.env.FACEREC_SERVICE_MAIN !== undefined || !isStale()) return;
  const lock = join(REPO_ROOT, 'node_modules', '.cache', 'facerec-build.lock');
  mkdirSync(join(lock, '..'), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker builds; a lock older than 5 minutes is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmdirSync(lock);
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held for more than 5 minutes`);
      await sleep(500);
    }
  }
  try {
    if (!isStale()) return;
    await new Promise<void>((done, fail) => {
      execFile(
        process.execPath,
        [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        { cwd: REPO_ROOT, timeout: 300_000 },
        (error, stdout, stderr) => (error ? fail(new Error(`tsc -p tsconfig.build.json failed:\n${stdout}${stderr}`)) : done()),
      );
    });
  } finally {
    rmdirSync(lock);
  }
}

/** One JSON log line of the service (pino: level 30 info, 40 warn, 50 error; `msg` is the message). */
export interface LogLine {
  readonly level: number;
  readonly time: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface HttpAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

/** The promise's value, or null when it has not settled within `timeoutMs`. */
async function withinMs<T>(promise: Promise<T>, timeoutMs: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((done) => (timer = setTimeout(() => done(null), timeoutMs)));
  const result = await Promise.race([promise, timeout]);
  clearTimeout(timer);
  return result;
}

/** Variables every test service gets unless the test overrides them. */
const DEFAULT_ENV: Readonly<Record<string, string>> = {
  HTTP_HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  // Spans exported nowhere: the producer's trace context passes through to results unchanged.
  OTEL_SDK_DISABLED: 'true',
  HEARTBEAT_INTERVAL_S: '0.5',
  // Redis mode refuses to start without a gallery key; one random key per test process, so replicas of one test share it.
  GALLERY_ENCRYPTION_KEY: `test-gallery:${randomBytes(32).toString('base64')}`,
};

const live = new Set<ServiceProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const service of live) service.killGroup();
  });
}

/**
 * A checkout of the repository in a temporary directory: package.json, .npmrc
 * and the tsconfig files copied, src/, bin/, node_modules/, models/ and samples/
 * linked. `npm start` there builds into its own dist/, so it never rewrites
 * the dist/ that services of concurrent tests are loading.
 */
export function scratchCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'facerec-checkout-'));
  for (const file of ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.build.json']) {
    if (existsSync(join(REPO_ROOT, file))) copyFileSync(join(REPO_ROOT, file), join(dir, file));
  }
  for (const linked of ['src', 'bin', 'node_modules', 'models', 'samples']) symlinkSync(join(REPO_ROOT, linked), join(dir, linked));
  return dir;
}

/** The service as a child process. Start with ServiceProcess.start(). */
export class ServiceProcess {
  /** Every JSON log line so far, in order. */
  readonly logs: LogLine[] = [];
  /** Lines of stderr/stdout that are not JSON (start-up failures), last 200. */
  readonly otherOutput: string[] = [];
  private exitStatus: ExitStatus | null = null;
  private readonly exitedPromise: Promise<ExitStatus>;
  /** The child's own exit ('exit'), which can come before 'close' when a process it started keeps its output open. */
  private readonly childExitPromise: Promise<ExitStatus>;
  private partial = '';

  private constructor(
    readonly child: ChildProcess,
    readonly httpPort: number,
    readonly env: Readonly<Record<string, string>>,
    readonly label: string,
    private readonly ownGroup: boolean,
  ) {
    this.childExitPromise = new Promise<ExitStatus>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    this.exitedPromise = new Promise<ExitStatus>((done) => {
      // 'close', not 'exit': stdout and stderr are fully read by then, so no log line is missed.
      child.once('close', (code, signal) => {
        this.exitStatus = { code, signal };
        live.delete(this);
        done(this.exitStatus);
      });
    });
    child.stderr?.on('data', (chunk: Buffer) => this.consume(chunk.toString('utf8')));
    child.stdout?.on('data', (chunk: Buffer) => this.consume(chunk.toString('utf8')));
  }

  /**
   * Spawns `node dist/main.js` with a clean configuration: the variables of
   * the service schema are removed from the inherited environment, then
   * DEFAULT_ENV, a free HTTP_PORT and `env` apply.
   */
  static async start(
    env: Readonly<Record<string, string>>,
    options: {
      readonly label?: string;
      /** The command line to run instead of `node dist/main.js` (e.g. ['npm', 'start']); it runs in a process group of its own. */
      readonly command?: readonly string[];
      readonly cwd?: string;
    } = {},
  ): Promise<ServiceProcess> {
    installExitHook();
    const inherited: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(CONFIG_SCHEMA)) delete inherited[name];
    for (const name of Object.keys(inherited)) if (name.startsWith('OTEL_')) delete inherited[name];
    const httpPort = env.HTTP_PORT !== undefined ? Number(env.HTTP_PORT) : await findFreePort();
    // Embedded mode keeps its gallery under DATA_DIR: a fresh one per service unless the test shares one (a restart).
    const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'facerec-data-'));
    const fullEnv: Record<string, string> = { ...DEFAULT_ENV, HTTP_PORT: String(httpPort), DATA_DIR: dataDir, ...env };
    const [file, ...args] = options.command ?? [process.execPath, SERVICE_MAIN];
    const child = spawn(file as string, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...inherited, ...fullEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: whatever it starts can be found (and killed) with it.
      detached: options.command !== undefined,
    });
    const service = new ServiceProcess(child, httpPort, fullEnv, options.label ?? fullEnv.CONSUMER_NAME ?? fullEnv.PROCESSOR_ID ?? 'service', options.command !== undefined);
    live.add(service);
    return service;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitStatus === null;
  }

  get exit(): ExitStatus | null {
    return this.exitStatus;
  }

  /** Resolves with the exit status once the process has exited. */
  exited(): Promise<ExitStatus> {
    return this.exitedPromise;
  }

  /** Waits for the child process itself to exit, at most `timeoutMs` (its output may stay open if something it started lives on). */
  waitForChildExit(timeoutMs: number): Promise<ExitStatus | null> {
    return withinMs(this.childExitPromise, timeoutMs);
  }

  /** Waits for the exit, at most `timeoutMs`; null when it is still running then. */
  waitForExit(timeoutMs: number): Promise<ExitStatus | null> {
    return withinMs(this.exitedPromise, timeoutMs);
  }

  /** Log lines with this message (exact) or matching the predicate. */
  logsMatching(match: string | ((line: LogLine) => boolean)): LogLine[] {
    return this.logs.filter(typeof match === 'string' ? (line) => line.msg === match : match);
  }

  /** Waits for a log line (exact message or predicate), also one logged before the call; fails early if the process exits. */
  async waitForLog(match: string | ((line: LogLine) => boolean), timeoutMs = 60_000, after = 0): Promise<LogLine> {
    return waitFor(
      () => {
        const found = this.logsMatching(match).find((line) => line.time >= after);
        if (found) return found;
        if (!this.alive) throw new Error(`exited with ${JSON.stringify(this.exitStatus)}`);
        return undefined;
      },
      { timeoutMs, what: () => `${this.label}: log line ${typeof match === 'string' ? `'${match}'` : 'matching the predicate'}\n${this.tail()}` },
    );
  }

  /** Waits until the service consumes (the 'consuming frames' line). */
  async waitUntilConsuming(timeoutMs = 90_000): Promise<void> {
    await this.waitForLog('consuming frames', timeoutMs);
  }

  /** GET a path of the HTTP server (JSON body); throws when nothing answers. */
  async get<T = Record<string, unknown>>(path: string): Promise<HttpAnswer<T>> {
    const response = await fetch(`http://127.0.0.1:${this.httpPort}${path}`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: response.status, body: body as T };
  }

  health(): Promise<HttpAnswer> {
    return this.get('/health');
  }

  ready(): Promise<HttpAnswer> {
    return this.get('/ready');
  }

  /** Polls /health until `accept` holds. */
  async waitForHealth(accept: (answer: HttpAnswer) => boolean, timeoutMs = 60_000, what = '/health'): Promise<HttpAnswer> {
    return waitFor(
      async () => {
        if (!this.alive) throw new Error(`exited with ${JSON.stringify(this.exitStatus)}`);
        const answer = await this.health();
        return accept(answer) ? answer : undefined;
      },
      { timeoutMs, what: () => `${this.label}: ${what}\n${this.tail()}` },
    );
  }

  /** Sends a signal (no-op once exited). */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ExitStatus> {
    this.killGroup();
    return this.exitedPromise;
  }

  /** Whether a process of the child's process group is still running (only for a `command` started in a group of its own). */
  groupAlive(): boolean {
    if (!this.ownGroup || this.child.pid === undefined) return false;
    try {
      process.kill(-this.child.pid, 0);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw error;
    }
  }

  /** SIGKILL to the child, and to its whole process group when it has one of its own. */
  killGroup(): void {
    if (this.ownGroup && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
    if (this.alive) this.child.kill('SIGKILL');
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit status. */
  async terminate(graceMs = 30_000): Promise<ExitStatus> {
    if (!this.alive) return this.exitStatus as ExitStatus;
    this.signal('SIGTERM');
    const status = await this.waitForExit(graceMs);
    if (status) return status;
    return this.kill();
  }

  /** The last log lines, for failure messages. */
  tail(lines = 40): string {
    const json = this.logs.slice(-lines).map((line) => JSON.stringify(line));
    const other = this.otherOutput.slice(-10);
    return [`--- ${this.label} (pid ${this.pid}) last log lines ---`, ...json, ...other].join('\n');
  }

  private consume(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const parsed = JSON.parse(line) as LogLine;
        if (typeof parsed === 'object' && parsed !== null && typeof parsed.msg === 'string') {
          this.logs.push(parsed);
          continue;
        }
      } catch {
        // not JSON
      }
      this.otherOutput.push(line);
      if (this.otherOutput.length > 200) this.otherOutput.shift();
    }
  }
}

/** Kills (SIGKILL) every service child still running and waits for their exits. For afterEach / afterAll. */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...live].map((service) => service.kill()));
}
