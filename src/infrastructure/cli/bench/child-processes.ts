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

/** Children a benchmark harness started and has not seen exit. */
const harnessChildren = new Set<ChildProcess>();
const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const EXIT_CODES: Record<(typeof INTERRUPTS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
/** How long interrupted children get to exit (the service drains) before SIGKILL. */
const INTERRUPT_GRACE_MS = 15_000;
let interruptHandlersInstalled = false;

/**
 * Registers a child (redis-server, the service, a sink) so that an
 * interrupted benchmark does not leave it behind: on SIGINT, SIGTERM or
 * SIGHUP every registered child gets SIGTERM (SIGKILL after a grace period)
 * and the command exits 128 + the signal's number once they are gone. Node's
 * default action would end the harness at once, skipping the `finally` that
 * stops its children, and the service would go on consuming frames.
 */
export function stopWithHarness<T extends ChildProcess>(child: T): T {
  harnessChildren.add(child);
  child.once('exit', () => harnessChildren.delete(child));
  if (!interruptHandlersInstalled) {
    interruptHandlersInstalled = true;
    for (const signal of INTERRUPTS) {
      process.once(signal, () => {
        process.stderr.write(`${signal}: stopping ${harnessChildren.size} child process(es) of the benchmark\n`);
        void Promise.all([...harnessChildren].map((c) => stopChild(c, INTERRUPT_GRACE_MS))).finally(() => process.exit(EXIT_CODES[signal]));
      });
    }
  }
  return child;
}
