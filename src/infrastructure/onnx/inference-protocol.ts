/** Messages between the event loop and the inference worker (plain, structured-clone-safe data). */
export interface SessionSettings {
  readonly executionProvider: 'cpu' | 'cuda';
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
}

export interface ValueInfo {
  readonly name: string;
  /** Declared shape; symbolic dimensions are strings. Empty when unknown or not a tensor. */
  readonly shape: ReadonlyArray<number | string>;
}

export type WorkerRequest =
  | { readonly kind: 'load'; readonly id: number; readonly model: string; readonly path: string; readonly settings: SessionSettings }
  | { readonly kind: 'run'; readonly id: number; readonly model: string; readonly input: Float32Array; readonly dims: readonly number[] }
  | { readonly kind: 'release'; readonly id: number; readonly model: string };

export interface LoadedSession {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** The provider actually used (cuda falls back to cpu). */
  readonly provider: 'cpu' | 'cuda';
  readonly fallbackReason: string | null;
  readonly loadSeconds: number;
}

export interface RunOutput {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly loaded: LoadedSession }
  | { readonly id: number; readonly ok: true; readonly outputs: Readonly<Record<string, RunOutput>>; readonly seconds: number }
  | { readonly id: number; readonly ok: true; readonly released: true }
  | { readonly id: number; readonly ok: false; readonly error: string };
