import { createContextKey, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { OnDemandContextManager } from '../../../../src/infrastructure/telemetry/on-demand-context-manager';

const KEY = createContextKey('test key');
const withValue = (value: string): Context => ROOT_CONTEXT.setValue(KEY, value);
const tick = (ms = 1): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('OnDemandContextManager', () => {
  let manager: OnDemandContextManager;

  beforeEach(() => {
    manager = new OnDemandContextManager().enable();
  });

  afterEach(() => {
    manager.disable();
  });

  it('keeps the context across awaits inside a scope, and closes the scope when its work settles', async () => {
    const seen: unknown[] = [];
    const work = manager.with(withValue('frame-1'), async () => {
      seen.push(manager.active().getValue(KEY));
      await tick();
      seen.push(manager.active().getValue(KEY));
      await Promise.resolve();
      seen.push(manager.active().getValue(KEY));
      return 'done';
    });
    expect(manager.activeScopes).toBe(1);
    await expect(work).resolves.toBe('done');
    await Promise.resolve(); // the scope closes in the settlement's own reaction
    expect(seen).toEqual(['frame-1', 'frame-1', 'frame-1']);
    expect(manager.activeScopes).toBe(0);
    expect(manager.active()).toBe(ROOT_CONTEXT);
  });

  it('keeps overlapping scopes of concurrent frames apart, and open until the last one settles', async () => {
    const seen: string[] = [];
    let releaseSecond: () => void = () => undefined;
    const second = new Promise<void>((resolve) => {
      releaseSecond = resolve;
    });
    const first = manager.with(withValue('frame-1'), async () => {
      await tick();
      seen.push(`first ${String(manager.active().getValue(KEY))}`);
    });
    const other = manager.with(withValue('frame-2'), async () => {
      await second; // still waiting when the first scope has closed
      await tick();
      seen.push(`second ${String(manager.active().getValue(KEY))}`);
    });
    await first;
    await Promise.resolve();
    expect(manager.activeScopes).toBe(1);
    releaseSecond();
    await other;
    await Promise.resolve();
    expect(seen).toEqual(['first frame-1', 'second frame-2']);
    expect(manager.activeScopes).toBe(0);
  });

  it('starts a new scope after the storage was switched off, with a fresh context', async () => {
    await manager.with(withValue('frame-1'), async () => tick());
    await Promise.resolve();
    expect(manager.activeScopes).toBe(0);
    const again = await manager.with(withValue('frame-2'), async () => {
      await tick();
      return manager.active().getValue(KEY);
    });
    expect(again).toBe('frame-2');
  });

  it('closes the scope of work that throws or rejects, and passes the failure on', async () => {
    expect(() =>
      manager.with(withValue('x'), () => {
        throw new Error('sync failure');
      }),
    ).toThrow('sync failure');
    expect(manager.activeScopes).toBe(0);
    await expect(
      manager.with(withValue('y'), async () => {
        await tick();
        throw new Error('async failure');
      }),
    ).rejects.toThrow('async failure');
    await Promise.resolve();
    expect(manager.activeScopes).toBe(0);
  });

  it('closes synchronous scopes at once, nested ones included', () => {
    const inner = manager.with(withValue('outer'), () => {
      expect(manager.activeScopes).toBe(1);
      return manager.with(withValue('inner'), () => {
        expect(manager.activeScopes).toBe(2);
        return manager.active().getValue(KEY);
      });
    });
    expect(inner).toBe('inner');
    expect(manager.activeScopes).toBe(0);
  });

  it('counts the scopes of functions bound to a context', async () => {
    const bound = manager.bind(withValue('bound'), async () => {
      await tick();
      return manager.active().getValue(KEY);
    });
    const running = bound();
    expect(manager.activeScopes).toBe(1);
    await expect(running).resolves.toBe('bound');
    await Promise.resolve();
    expect(manager.activeScopes).toBe(0);
  });
});
