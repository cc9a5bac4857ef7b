/** One-line description of an error for logs: class and message, never payloads. */
export const describeError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise resolved from outside, once (e.g. "stop was requested"). */
export interface Trigger {
  readonly fired: Promise<void>;
  fire(): void;
}

export function createTrigger(): Trigger {
  let fire: () => void = () => undefined;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fired, fire };
}

/** Waits `ms`, or less if `interrupt` resolves first: back-off waits must not hold a shutdown. */
export async function sleepUnless(ms: number, interrupt: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), interrupt]);
  clearTimeout(timer);
}
