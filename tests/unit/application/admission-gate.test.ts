import { Overloaded } from '../../../src/application/errors';
import { AdmissionGate } from '../../../src/application/services/admission-gate';

/** A piece of work that finishes when the test says so. */
function controllable(): { readonly work: () => Promise<string>; finish(value: string): void; fail(error: Error): void; started: boolean } {
  let resolve: (value: string) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const handle = {
    started: false,
    work: () => {
      handle.started = true;
      return new Promise<string>((res, rej) => {
        resolve = res;
        reject = rej;
      });
    },
    finish: (value: string) => resolve(value),
    fail: (error: Error) => reject(error),
  };
  return handle;
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('AdmissionGate', () => {
  it('runs up to maxConcurrent at once, queues up to maxQueued in arrival order, and refuses the rest with Overloaded', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 2, maxQueued: 2 });
    const items = [controllable(), controllable(), controllable(), controllable()];
    const results = items.map((item) => gate.run(item.work));
    await flush();
    expect(items.map((i) => i.started)).toEqual([true, true, false, false]);
    expect(gate.load).toEqual({ running: 2, queued: 2 });

    const refused = gate.run(async () => 'never');
    await expect(refused).rejects.toBeInstanceOf(Overloaded);
    await expect(refused).rejects.toMatchObject({ code: 'overloaded', retryAfterSeconds: 1, context: { running: 2, queued: 2, maxConcurrent: 2, maxQueued: 2 } });

    items[1]!.finish('b');
    await expect(results[1]).resolves.toBe('b');
    await flush();
    expect(items.map((i) => i.started)).toEqual([true, true, true, false]);
    expect(gate.load).toEqual({ running: 2, queued: 1 });

    items[0]!.fail(new Error('boom'));
    await expect(results[0]).rejects.toThrow('boom');
    await flush();
    expect(items[3]!.started).toBe(true);
    items[2]!.finish('c');
    items[3]!.finish('d');
    await expect(Promise.all([results[2], results[3]])).resolves.toEqual(['c', 'd']);
    expect(gate.load).toEqual({ running: 0, queued: 0 });
  });

  it('refuses at once without a queue', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 1, maxQueued: 0 });
    const first = controllable();
    const running = gate.run(first.work);
    await expect(gate.run(async () => 'x')).rejects.toBeInstanceOf(Overloaded);
    first.finish('a');
    await expect(running).resolves.toBe('a');
    await expect(gate.run(async () => 'x')).resolves.toBe('x');
  });

  it('takes a waiter whose signal aborts out of the queue, and never starts its work', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 1, maxQueued: 1 });
    const first = controllable();
    const running = gate.run(first.work);
    const controller = new AbortController();
    const waiting = controllable();
    const abandoned = gate.run(waiting.work, controller.signal);
    expect(gate.load).toEqual({ running: 1, queued: 1 });
    controller.abort();
    await expect(abandoned).rejects.toBeInstanceOf(Overloaded);
    expect(gate.load).toEqual({ running: 1, queued: 0 });
    first.finish('a');
    await running;
    await flush();
    expect(waiting.started).toBe(false);
    expect(gate.load).toEqual({ running: 0, queued: 0 });
    await expect(gate.run(async () => 'y', AbortSignal.abort())).rejects.toBeInstanceOf(Overloaded);
  });

  it('keeps a slot taken until admitted work settles, even when its caller stopped waiting', async () => {
    const gate = new AdmissionGate({ maxConcurrent: 1, maxQueued: 0 });
    const controller = new AbortController();
    const work = controllable();
    const running = gate.run(work.work, controller.signal);
    controller.abort();
    await flush();
    expect(gate.load).toEqual({ running: 1, queued: 0 });
    work.finish('done');
    await expect(running).resolves.toBe('done');
    expect(gate.load).toEqual({ running: 0, queued: 0 });
  });

  it('rejects impossible limits', () => {
    expect(() => new AdmissionGate({ maxConcurrent: 0, maxQueued: 0 })).toThrow(RangeError);
    expect(() => new AdmissionGate({ maxConcurrent: 1, maxQueued: -1 })).toThrow(RangeError);
  });
});
