import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const CLI_PATH = join(REPO_ROOT, 'dist', 'cli.js');

const run = promisify(execFile);

/** Compiles src/ to dist/ unless dist/cli.js exists (`npm test` builds before running Jest). */
export async function ensureCliBuilt(): Promise<void> {
  if (existsSync(CLI_PATH)) return;
  await run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json')], {
    cwd: REPO_ROOT,
  });
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/cli.js ...args` to completion; never rejects on a non-zero exit. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_PATH, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The `{"error": {...}}` line the CLI writes to stderr (log lines may surround it). */
export function cliError(stderr: string): { code: string; message: string; context?: Record<string, unknown> } {
  for (const line of stderr.split('\n')) {
    try {
      const parsed = JSON.parse(line) as { error?: { code: string; message: string; context?: Record<string, unknown> } };
      if (parsed.error) return parsed.error;
    } catch {
      // not JSON: usage text or a log line
    }
  }
  throw new Error(`no JSON error on stderr:\n${stderr}`);
}
