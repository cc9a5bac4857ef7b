/**
 * Skipping a suite for a missing input, so that a skip is never mistaken for
 * a pass: the reason goes into the skipped suite's (or test's) title, and
 * tests/support/skip-reporter.js prints how many tests did not run and why
 * at the end of the run.
 */

/** The title suffix the skip reporter reads a reason from. */
export const skipReason = (reason: string): string => `[skipped: ${reason}]`;

type Suite = (name: string, body: () => void) => void;
type Test = (name: string, body: jest.ProvidesCallback, timeout?: number) => void;

/** `describe` when `missing` is null; otherwise `describe.skip`, the reason in its title. */
export const describeUnlessMissing = (missing: string | null): Suite =>
  missing === null ? describe : (name, body) => describe.skip(`${name} ${skipReason(missing)}`, body);

/** `it` when `missing` is null; otherwise `it.skip`, the reason in its title. */
export const itUnlessMissing = (missing: string | null): Test =>
  missing === null ? it : (name, body, timeout) => it.skip(`${name} ${skipReason(missing)}`, body, timeout);
