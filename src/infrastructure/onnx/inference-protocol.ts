/** Messages between the event loop and the inference worker (plain, structured-clone-safe data). */
import type { AffineMatrix } from '../../domain/alignment';
import type { TensorLayout, TensorSource } from '../imaging/tensor-from-images';

/** ONNX Runtime's graph optimisation levels (`all` adds the NCHWc layout transform on CPU). */
export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
export type GraphOptimizationLevel = (typeof GRAPH_OPTIMIZATION_LEVELS)[number];

/**
 * The levels `auto` times against each other. Which one is faster depends on
 * the model and the CPU: on an AVX-512 Xeon `all` made the UltraFace detector
 * 3.5× faster than `extended` but the MobileFaceNet embedder (PReLU after
 * every convolution, which the NCHWc kernels cannot fuse) 2× slower (adr/0001).
 */
export const AUTO_CANDIDATES: readonly GraphOptimizationLevel[] = ['extended', 'all'];

export interface SessionSettings {
  readonly executionProvider: 'cpu' | 'cuda';
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  /** A fixed level, or `auto`: time the candidates on `probeDims` at load and keep the fastest. */
  readonly graphOptimization: GraphOptimizationLevel | 'auto';
}

/** One candidate level as timed at load: median wall time of one session.run on the probe input. */
export interface LevelTiming {
  readonly level: GraphOptimizationLevel;
  readonly seconds: number;
}

export interface ValueInfo {
  readonly name: string;
  /** Declared shape; symbolic dimensions are strings. Empty when unknown or not a tensor. */
  readonly shape: ReadonlyArray<number | string>;
}

/**
 * Pixels cross to the workers as plain data. Decoded images live in shared
 * memory (SharedArrayBuffer), so posting them shares rather than copies them.
 */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** One crop to cut: output pixel centres map into `image` through `toSource`. */
export interface WarpItem {
  readonly image: RawImage;
  readonly toSource: AffineMatrix;
}

export type WorkerRequest =
  | {
      readonly kind: 'load';
      readonly id: number;
      readonly model: string;
      readonly path: string;
      readonly settings: SessionSettings;
      /** Shape of a one-item input, for timing the `auto` candidates. */
      readonly probeDims: readonly number[];
    }
  | {
      /** Several model calls of one model, run in order by one worker (all the detector views of a part of a batch). */
      readonly kind: 'run-calls';
      readonly id: number;
      readonly model: string;
      readonly calls: ReadonlyArray<{ readonly sources: readonly TensorSource[]; readonly layout: TensorLayout }>;
    }
  | { readonly kind: 'warp'; readonly id: number; readonly items: readonly WarpItem[]; readonly width: number; readonly height: number }
  | { readonly kind: 'release'; readonly id: number; readonly model: string };

export interface LoadedSession {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** The provider actually used (cuda falls back to cpu). */
  readonly provider: 'cpu' | 'cuda';
  readonly fallbackReason: string | null;
  readonly loadSeconds: number;
  readonly graphOptimization: GraphOptimizationLevel;
  /** The candidates timed when the level was `auto` (empty for a fixed level). */
  readonly levelTimings: readonly LevelTiming[];
}

export interface RunOutput {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly loaded: LoadedSession }
  | { readonly id: number; readonly ok: true; readonly calls: ReadonlyArray<{ readonly outputs: Readonly<Record<string, RunOutput>>; readonly seconds: number }> }
  | { readonly id: number; readonly ok: true; readonly crops: readonly RawImage[] }
  | { readonly id: number; readonly ok: true; readonly released: true }
  | { readonly id: number; readonly ok: false; readonly error: string };
