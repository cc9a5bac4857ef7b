import type { Orchestrator, ProcessorRegistration } from '../ports/orchestrator';
import type { ConsumerLogger } from './frame-consumer';
import { createTrigger, describeError, sleep, sleepUnless, type Trigger } from './async-helpers';

export interface LifecycleSettings {
  readonly heartbeatIntervalMs: number;
  /** First retry delay of registration; doubles up to maxBackoffMs, with jitter. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export interface RegistrationStatus {
  readonly registered: boolean;
  /** Whether the orchestrator answered the last call. */
  readonly orchestratorReachable: boolean;
}

/**
 * Keeps the processor registered with frame-buffer-v2: registers in the
 * background with exponential backoff and jitter while the orchestrator is
 * down (consumption does not wait for it), heartbeats, re-registers when a
 * heartbeat says we were forgotten, and unregisters on shutdown.
 */
export class ProcessorLifecycle {
  private registered = false;
  private reachable = false;
  private stopped = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private registering: Promise<void> | null = null;
  /** Fired by stop(): cuts the registration back-off short. */
  private stopRequested: Trigger = createTrigger();

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly registration: ProcessorRegistration,
    private readonly settings: LifecycleSettings,
    private readonly logger: ConsumerLogger,
  ) {}

  status(): RegistrationStatus {
    return { registered: this.registered, orchestratorReachable: this.reachable };
  }

  /** Starts registration and heartbeats; returns at once. */
  start(): void {
    this.stopped = false;
    this.stopRequested = createTrigger();
    this.ensureRegistered();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.settings.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  /** Resolves once registered (for tests and readiness), or when stopped. */
  async waitUntilRegistered(): Promise<void> {
    while (!this.registered && !this.stopped) await (this.registering ?? sleep(50));
  }

  /**
   * Stops heartbeats and registration attempts and unregisters. A
   * registration request already sent may still succeed: it is waited for
   * (bounded by the orchestrator client's request timeout) so that it is
   * undone here rather than left behind.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested.fire();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.registering;
    if (!this.registered) return;
    try {
      await this.orchestrator.unregister(this.registration.id);
      this.registered = false;
      this.logger.info('unregistered from the orchestrator', { processorId: this.registration.id });
    } catch (error) {
      this.logger.warn('could not unregister; the orchestrator will expire us', { error: describeError(error) });
    }
  }

  private ensureRegistered(): void {
    if (this.registering) return;
    this.registering = this.registerWithBackoff().finally(() => {
      this.registering = null;
    });
  }

  private async registerWithBackoff(): Promise<void> {
    let delay = this.settings.initialBackoffMs;
    while (!this.stopped) {
      try {
        const outcome = await this.orchestrator.register(this.registration);
        this.registered = true;
        this.reachable = true;
        this.logger.info('registered with the orchestrator', { processorId: this.registration.id, outcome });
        return;
      } catch (error) {
        this.reachable = false;
        const jittered = delay * (0.5 + Math.random() / 2);
        this.logger.warn('registration failed; retrying', { error: describeError(error), retryInMs: Math.round(jittered) });
        await sleepUnless(jittered, this.stopRequested.signal);
        delay = Math.min(this.settings.maxBackoffMs, delay * 2);
      }
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.stopped || !this.registered) return;
    try {
      const outcome = await this.orchestrator.heartbeat(this.registration.id, 'active');
      this.reachable = true;
      if (outcome === 'unknown_processor') {
        this.logger.warn('the orchestrator forgot this processor; registering again', { processorId: this.registration.id });
        this.registered = false;
        this.ensureRegistered();
      }
    } catch (error) {
      this.reachable = false;
      this.logger.warn('heartbeat failed', { error: describeError(error) });
    }
  }
}
