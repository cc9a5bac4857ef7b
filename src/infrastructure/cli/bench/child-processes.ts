import type { ChildProcess } from 'node:child_process';
import { BenchHarnessError } from './bench-harness-error';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `intervalMs` until it is true; throws after `timeoutMs`, or with the probe's own error. */
export async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new BenchHarnessError(`timed out after ${timeoutMs} ms waiting for ${what}`, { timeoutMs });
    await sleep(intervalMs);
  }
}

/** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code (null after a signal). */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const escalation = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(escalation);
  return code;
}
