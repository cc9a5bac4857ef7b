import type { AnalyzedFace } from '../../../src/domain/face';
import { faceToJson } from '../../../src/domain/face-json';
import { parseFrame } from '../../../src/domain/frame';
import { buildResultFields, RESULT_SCHEMA_VERSION, type ResultContext } from '../../../src/domain/frame-result';

const frame = parseFrame({ frame_id: 'f-7', camera_id: 'cam-2', timestamp: '2024-05-01T12:00:00Z' });

const face: AnalyzedFace = {
  box: { x1: 10, y1: 20, x2: 110, y2: 140 },
  score: 0.99,
  landmarks: [
    { x: 40, y: 60 },
    { x: 80, y: 60 },
    { x: 60, y: 80 },
    { x: 45, y: 110 },
    { x: 75, y: 110 },
  ],
  quality: { faceSize: 100, sharpness: 50, pose: { yaw: 1, roll: 0 }, passed: true, reason: 'ok' },
  embedding: new Float32Array([0.6, 0.8]),
};

const context: ResultContext = {
  processorId: 'face-recognition-1',
  modelVersion: 'faceplugin-default@1',
  processedAtMs: Date.UTC(2024, 4, 1, 12, 0, 1, 500),
  latencyMs: 12.345,
  queueLagMs: 1500.04,
  includeEmbeddings: false,
};

describe('buildResultFields', () => {
  it('builds the string fields of a faces:detected entry', () => {
    expect(buildResultFields(frame, [face, face], context)).toEqual({
      schema_version: RESULT_SCHEMA_VERSION,
      frame_id: 'f-7',
      camera_id: 'cam-2',
      timestamp: '2024-05-01T12:00:00Z',
      processor_id: 'face-recognition-1',
      processed_at: '2024-05-01T12:00:01.500Z',
      faces_count: '2',
      faces: JSON.stringify([faceToJson(face), faceToJson(face)]),
      latency_ms: '12.3',
      queue_lag_ms: '1500.0',
      model_version: 'faceplugin-default@1',
    });
    expect(RESULT_SCHEMA_VERSION).toBe('1');
  });

  it('leaves out queue_lag_ms when the capture time is unknown', () => {
    expect(buildResultFields(frame, [], { ...context, queueLagMs: null })).not.toHaveProperty('queue_lag_ms');
  });

  it('reports a frame without faces as an empty list', () => {
    expect(buildResultFields(frame, [], context)).toMatchObject({ faces_count: '0', faces: '[]' });
  });

  it('publishes embeddings only when asked', () => {
    const without = JSON.parse(buildResultFields(frame, [face], context).faces as string) as Array<Record<string, unknown>>;
    expect(without[0]).not.toHaveProperty('embedding');
    const withEmbeddings = JSON.parse(buildResultFields(frame, [face], { ...context, includeEmbeddings: true }).faces as string) as Array<{ embedding: number[] }>;
    expect(withEmbeddings[0]?.embedding).toEqual([0.6, 0.8]);
  });
});
