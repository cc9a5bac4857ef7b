import type { Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/**
 * The AsyncLocalStorage context manager, switched on only while a `with`
 * scope is running.
 *
 * Once an AsyncLocalStorage has run a store, Node (before the
 * AsyncContextFrame of Node 24) propagates it with an async_hooks init hook on
 * every promise and async resource the process creates, whether or not anyone
 * reads the context. On the frame path that was about 0.1 ms of main-thread
 * CPU per frame, the largest part of what tracing cost an unsampled frame
 * (ADR 0004). The frame path sets an active context only around the Redis
 * calls of sampled frames (the ioredis instrumentation, `requireParentSpan`,
 * reads it when a command is sent), so the hooks are needed only while such a
 * scope runs. The storage is disabled when the last open scope settles
 * (counted, so overlapping scopes of concurrent frames keep each other's
 * context) and enabled again by the next `with`.
 *
 * While no scope runs, `active()` is the root context: code that wants a
 * context after its scope has settled must hold on to it, as the frame
 * telemetry does (it passes contexts explicitly).
 */
export class OnDemandContextManager extends AsyncLocalStorageContextManager {
  private openScopes = 0;

  /** Scopes started by `with` (or a function bound to a context) whose work has not settled yet. */
  get activeScopes(): number {
    return this.openScopes;
  }

  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    this.openScopes += 1;
    let result: ReturnType<F>;
    try {
      result = super.with(context, fn, thisArg, ...args);
    } catch (error) {
      this.closeScope();
      throw error;
    }
    if (isThenable(result)) {
      // Both handlers: the caller still sees the rejection through `result`, and this chain adds no unhandled one.
      result.then(
        () => this.closeScope(),
        () => this.closeScope(),
      );
    } else {
      this.closeScope();
    }
    return result;
  }

  private closeScope(): void {
    this.openScopes -= 1;
    if (this.openScopes === 0) super.disable();
  }

  override disable(): this {
    this.openScopes = 0;
    super.disable();
    return this;
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
