export interface ProcessorRegistration {
  readonly id: string;
  readonly capabilities: readonly string[];
  readonly capacity: number;
  readonly queue: string;
  readonly healthEndpoint?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export type RegistrationOutcome = 'registered' | 'updated';
export type HeartbeatOutcome = 'ok' | 'unknown_processor';

/** frame-buffer-v2's processor registry. Network failures and 5xx answers throw DependencyUnavailable. */
export interface Orchestrator {
  /** Registers, or updates the registration when the id already exists (409 → PUT). */
  register(registration: ProcessorRegistration): Promise<RegistrationOutcome>;
  /** 'unknown_processor' (404) means the orchestrator forgot us: register again. */
  heartbeat(processorId: string, status: string): Promise<HeartbeatOutcome>;
  /** Idempotent: an unknown id (404) is fine. */
  unregister(processorId: string): Promise<void>;
  isHealthy(): Promise<boolean>;
}
