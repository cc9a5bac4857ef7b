import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createTrigger, raceAbort, sleepUnless } from '../../../src/application/services/async-helpers';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Whether the object `race` settles with is still reachable once the caller has dropped it. */
async function resultIsRetained(race: (work: Promise<object>) => Promise<unknown>): Promise<boolean> {
  let result: WeakRef<object> | undefined;
  await (async () => {
    const payload = { frame: new Uint8Array(1024) };
    result = new WeakRef(payload);
    await race(Promise.resolve(payload));
  })();
  // A WeakRef's target is kept to the end of the job that made it: collect in a later one.
  await new Promise((resolve) => setTimeout(resolve, 0));
  collectGarbage();
  return result?.deref() !== undefined;
}

describe('raceAbort', () => {
  it('settles with the work when the signal stays quiet', async () => {
    await expect(raceAbort(Promise.resolve(7), new AbortController().signal, null)).resolves.toBe(7);
  });

  it('passes on the work’s rejection', async () => {
    await expect(raceAbort(Promise.reject(new Error('read failed')), new AbortController().signal, null)).rejects.toThrow('read failed');
  });

  it('settles with the aborted value as soon as the signal aborts, and later failures of the work are not unhandled', async () => {
    const controller = new AbortController();
    let failWork: (error: Error) => void = () => undefined;
    const work = new Promise<number>((_, reject) => (failWork = reject));
    const race = raceAbort(work, controller.signal, 'closed');
    controller.abort();
    await expect(race).resolves.toBe('closed');
    failWork(new Error('connection lost'));
    await expect(raceAbort(work, controller.signal, 'closed')).resolves.toBe('closed');
  });

  it('leaves no listener on a long-lived signal (one race per stream read, for weeks)', async () => {
    const { signal } = new AbortController();
    for (let i = 0; i < 1000; i += 1) await raceAbort(Promise.resolve(i), signal, null);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('does not keep what the work settled with, where Promise.race against a pending promise does', async () => {
    const longLived = new Promise<never>(() => undefined);
    expect(await resultIsRetained((work) => Promise.race([work, longLived]))).toBe(true);
    expect(await resultIsRetained((work) => raceAbort(work, new AbortController().signal, null))).toBe(false);
  });
});

describe('sleepUnless', () => {
  it('waits the whole time when nothing fires', async () => {
    const started = Date.now();
    await sleepUnless(30, createTrigger().signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('returns as soon as the trigger fires, and at once when it already has', async () => {
    const stop = createTrigger();
    const waiting = sleepUnless(60_000, stop.signal);
    stop.fire();
    await waiting;
    await sleepUnless(60_000, stop.signal);
  });

  it('leaves no listener behind after the waits that ran out', async () => {
    const stop = createTrigger();
    for (let i = 0; i < 50; i += 1) await sleepUnless(0, stop.signal);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
