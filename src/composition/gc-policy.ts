import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's incremental marking for every isolate of the process (the
 * main thread and the inference workers, which are created later and read
 * the flag then), unless node's own command line says otherwise.
 *
 * Why: under a steady stream of HD frames the main thread's small heap (about
 * 26 MB live) was kept in almost continuous incremental marking, about 4 major
 * collections a second that each freed well under 1 MB, started by V8's
 * limit heuristics rather than by garbage, and paid for on its helper
 * threads: some 11 % of the process's CPU time. With atomic collections
 * there are a tenth as many (16–18 against 156–160 in 35 s), CPU per 1080p
 * six-face frame fell from 141–155 to 118–124 core-ms and frames/s rose from
 * 10.6–11.7 to 13.0–13.8 (two alternating rounds each); the longest pause
 * grew from 29 to 45 ms (adr/0009, section 6b).
 */
export function applyGcPolicy(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): void {
  if (execArgv.some((flag) => /^--(no-)?incremental[-_]marking$/.test(flag))) return;
  setFlags('--no-incremental-marking');
}
