/**
 * The hooks every runtime fixture registers (useRuntimeRedis,
 * useRuntimeCluster): the service built and the fixture's parts started
 * before the describe block's tests, the service processes stopped (after
 * each test too when asked) and the parts stopped after them.
 */
import { ensureServiceBuilt, stopAllServices } from './service-process';

export interface RuntimeFixtureHooks<T> {
  /** Starts the parts (a Redis, its clients). */
  readonly start: () => Promise<T>;
  /** Stops them; runs after every service process is gone. */
  readonly stop: (parts: T) => Promise<void>;
  readonly stopServicesAfterEach?: boolean;
  /** For the error outside the tests, e.g. 'useRuntimeRedis'. */
  readonly name: string;
}

/** Registers the hooks; the returned function gives the parts inside the tests and throws outside them. */
export function useRuntimeFixture<T>(hooks: RuntimeFixtureHooks<T>): () => T {
  let parts: T | undefined;
  beforeAll(async () => {
    await ensureServiceBuilt();
    parts = await hooks.start();
  });
  if (hooks.stopServicesAfterEach) {
    afterEach(async () => {
      await stopAllServices();
    });
  }
  afterAll(async () => {
    await stopAllServices();
    if (parts !== undefined) await hooks.stop(parts);
  });
  return () => {
    if (parts === undefined) throw new Error(`${hooks.name}: its parts are not available outside the describe block's tests`);
    return parts;
  };
}
