export type ProbeState = 'unknown' | 'ok' | 'unreachable';

export interface BackgroundProbeOptions {
  /** Time between checks. Default 5000 ms. */
  readonly intervalMs?: number;
  /** A check still running after this is a failure. Default 2000 ms. */
  readonly timeoutMs?: number;
  readonly onChange?: (state: ProbeState, error?: unknown) => void;
}

/**
 * Runs a reachability check (e.g. Redis PING) in the background and keeps the
 * last result, so that health requests read a cached value and never wait on
 * the dependency. The check fails when it rejects, resolves `false`, or times out.
 */
export class BackgroundProbe {
  private current: ProbeState = 'unknown';
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly check: () => Promise<unknown>,
    private readonly options: BackgroundProbeOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  get state(): ProbeState {
    return this.current;
  }

  /** Checks now, then every interval. Idempotent. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
    void this.probe();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check (skipped while the previous one still runs); resolves with the new state. */
  async probe(): Promise<ProbeState> {
    if (this.running) return this.current;
    this.running = true;
    let timeout: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(this.check),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
          timeout.unref();
        }),
      ]);
      this.update(result === false ? 'unreachable' : 'ok', result === false ? new Error('check returned false') : undefined);
    } catch (error) {
      this.update('unreachable', error);
    } finally {
      clearTimeout(timeout);
      this.running = false;
    }
    return this.current;
  }

  private update(state: ProbeState, error?: unknown): void {
    const changed = state !== this.current;
    this.current = state;
    if (changed) this.options.onChange?.(state, error);
  }
}
