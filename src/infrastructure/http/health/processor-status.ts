/**
 * What /health and /ready report, read synchronously from the running
 * processor (counters and flags it keeps in memory): answering must never
 * wait on Redis, the orchestrator or inference.
 */
export interface ProcessorStatus {
  readonly processorId: string;
  readonly version: string;
  /** False when no orchestrator is configured (ORCHESTRATOR_URL unset): readiness then does not wait for registration. */
  readonly orchestratorConfigured: boolean;
  /** Registered with the orchestrator (and heartbeats accepted). */
  readonly registered: boolean;
  /** The consumer loop is reading frames (false while starting or draining). */
  readonly consuming: boolean;
  readonly modelsLoaded: boolean;
  /** Loaded models by role, e.g. `{ detector: "ultraface-rfb-320", embedder: "arcface-r100" }`. */
  readonly models: Readonly<Record<string, string>>;
  readonly capacity: number;
  readonly inflight: number;
  readonly framesProcessed: number;
  readonly errorsTotal: number;
}

export interface ProcessorStatusSource {
  status(): ProcessorStatus;
}
