import { FaceRecognitionError, type ErrorContext } from './errors';

/** A camera frame as announced by frame-buffer-v2 on a processor queue. */
export interface Frame {
  readonly frameId: string;
  readonly cameraId: string;
  /** ISO 8601 capture time as sent (published back unchanged). */
  readonly timestamp: string;
  /** The same instant in epoch ms, or null when the timestamp does not parse. */
  readonly capturedAtMs: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly sizeBytes: number | null;
  readonly format: string;
  readonly priority: string;
  readonly storagePath: string;
  readonly storageBackend: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Parsed `trace_context` JSON, in whichever form upstream sent it. */
  readonly traceContext: Readonly<Record<string, unknown>> | null;
  readonly traceparent: string | null;
  readonly tracestate: string | null;
}

/** The frame entry itself is unusable (missing id, malformed JSON): retrying cannot help. */
export class InvalidFrameError extends FaceRecognitionError {
  readonly code = 'invalid_frame';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

/** The frame's image could not be found where the frame says it is. */
export class FrameImageNotFound extends FaceRecognitionError {
  readonly code = 'image_not_found';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

/** A file path in a frame points outside the allowed image root. */
export class ForbiddenImagePath extends FaceRecognitionError {
  readonly code = 'forbidden_image_path';
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context);
  }
}

const optionalNumber = (raw: string | undefined): number | null => {
  if (raw === undefined || raw.trim() === '') return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
};

function parseJsonObject(raw: string | undefined, field: string, frameId: string): Record<string, unknown> | null {
  if (raw === undefined || raw.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InvalidFrameError(`frame ${frameId}: field '${field}' is not valid JSON`, { frameId, field });
  }
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidFrameError(`frame ${frameId}: field '${field}' must be a JSON object`, { frameId, field });
  }
  return value as Record<string, unknown>;
}

/** Parses the string fields of a queue entry. Throws InvalidFrameError for content no retry can fix. */
export function parseFrame(fields: Readonly<Record<string, string>>): Frame {
  const frameId = fields.frame_id?.trim();
  if (!frameId) throw new InvalidFrameError('frame entry has no frame_id', { fields: Object.keys(fields).sort().join(',') });
  const timestamp = fields.timestamp ?? '';
  const parsedTime = Date.parse(timestamp);
  const metadata = parseJsonObject(fields.metadata, 'metadata', frameId) ?? {};
  return {
    frameId,
    cameraId: fields.camera_id ?? '',
    timestamp,
    capturedAtMs: Number.isNaN(parsedTime) ? null : parsedTime,
    width: optionalNumber(fields.width),
    height: optionalNumber(fields.height),
    sizeBytes: optionalNumber(fields.size_bytes),
    format: fields.format ?? '',
    priority: fields.priority ?? '',
    storagePath: fields.storage_path ?? '',
    storageBackend: fields.storage_backend ?? '',
    metadata,
    traceContext: parseJsonObject(fields.trace_context, 'trace_context', frameId),
    traceparent: fields.traceparent?.trim() || null,
    tracestate: fields.tracestate?.trim() || null,
  };
}

/** Where a frame's pixels are, by the first rule that matches (see README "Frame images"). */
export type ImageLocation =
  | { readonly kind: 'inline'; readonly encoding: 'base64' | 'binary'; readonly field: 'image_data' | 'image' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'redis-key'; readonly key: string };

const metadataString = (frame: Frame, key: string): string | null => {
  const value = frame.metadata[key];
  return typeof value === 'string' && value.trim() !== '' ? value : null;
};

export function locateImage(frame: Frame, fields: Readonly<Record<string, string>>, hasBinaryImage: boolean, keyTemplate: string): ImageLocation {
  if (fields.image_data !== undefined && fields.image_data !== '') return { kind: 'inline', encoding: 'base64', field: 'image_data' };
  if (hasBinaryImage) return { kind: 'inline', encoding: 'binary', field: 'image' };
  if (frame.storagePath.trim() !== '') return { kind: 'file', path: frame.storagePath };
  const imageKey = metadataString(frame, 'image_key');
  if (imageKey) return { kind: 'redis-key', key: imageKey };
  const path = metadataString(frame, 'storage_path') ?? metadataString(frame, 'image_path');
  if (path) return { kind: 'file', path };
  return { kind: 'redis-key', key: keyTemplate.replaceAll('{frame_id}', frame.frameId).replaceAll('{camera_id}', frame.cameraId) };
}
