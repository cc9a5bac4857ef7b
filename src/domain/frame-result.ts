import type { AnalyzedFace } from './face';
import { faceToJson } from './face-json';
import type { Frame } from './frame';

/** Version of the result entry schema (docs/schemas/faces-detected.v1.json). */
export const RESULT_SCHEMA_VERSION = '1';

export interface ResultContext {
  readonly processorId: string;
  readonly modelVersion: string;
  readonly processedAtMs: number;
  /** Time spent in this processor, from delivery to publication. */
  readonly latencyMs: number;
  /** Capture → processing start, when the frame's timestamp parses. */
  readonly queueLagMs: number | null;
  readonly includeEmbeddings: boolean;
}

/** The string fields of one `faces:detected` entry (trace fields are added by the publisher). */
export function buildResultFields(frame: Frame, faces: readonly AnalyzedFace[], context: ResultContext): Record<string, string> {
  return {
    schema_version: RESULT_SCHEMA_VERSION,
    frame_id: frame.frameId,
    camera_id: frame.cameraId,
    timestamp: frame.timestamp,
    processor_id: context.processorId,
    processed_at: new Date(context.processedAtMs).toISOString(),
    faces_count: String(faces.length),
    faces: JSON.stringify(faces.map((face) => faceToJson(face, context.includeEmbeddings))),
    latency_ms: context.latencyMs.toFixed(1),
    ...(context.queueLagMs === null ? {} : { queue_lag_ms: context.queueLagMs.toFixed(1) }),
    model_version: context.modelVersion,
  };
}
