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

/** How the worker turns whole images into the model's input tensor (resize + normalise). */
export interface ImagePreprocessing {
  readonly width: number;
  readonly height: number;
  readonly channelOrder: 'rgb' | 'bgr' | 'gray';
  readonly mean: number;
  readonly std: number;
}

export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export type WorkerRequest =
  | { readonly kind: 'load'; readonly id: number; readonly model: string; readonly path: string; readonly settings: SessionSettings }
  | { readonly kind: 'run'; readonly id: number; readonly model: string; readonly input: Float32Array; readonly dims: readonly number[] }
  | { readonly kind: 'run-images'; readonly id: number; readonly model: string; readonly images: readonly RawImage[]; readonly prep: ImagePreprocessing }
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
