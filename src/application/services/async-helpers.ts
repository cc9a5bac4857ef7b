/** One-line description of an error for logs: class and message, never payloads. */
export const describeError = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Something fired from outside, once (e.g. "stop was requested"), as an
 * AbortSignal so that loops can wait on it again and again without leaking.
 */
export interface Trigger {
  readonly signal: AbortSignal;
  fire(): void;
}

export function createTrigger(): Trigger {
  const controller = new AbortController();
  return { signal: controller.signal, fire: () => controller.abort() };
}

/**
 * `work`'s outcome, or `whenAborted` as soon as `signal` aborts.
 *
 * Not `Promise.race([work, longLivedPromise])`: every race adds a reaction to
 * the long-lived promise that stays until that promise settles, and the
 * reaction keeps the race's result alive (nodejs/node#17469). Raced once per
 * read, that retained every frame read since start (adr/0010). Here the abort
 * listener is removed as soon as the race is decided.
 */
export function raceAbort<T, U>(work: Promise<T>, signal: AbortSignal, whenAborted: U): Promise<T | U> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.resolve(whenAborted);
  }
  return new Promise<T | U>((resolve, reject) => {
    const onAbort = (): void => resolve(whenAborted);
    const decided = (): void => signal.removeEventListener('abort', onAbort);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        decided();
        resolve(value);
      },
      (error: unknown) => {
        decided();
        reject(error);
      },
    );
  });
}

/** Waits `ms`, or less if `signal` aborts first: back-off waits must not hold a shutdown. */
export function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
