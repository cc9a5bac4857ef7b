import { FaceRecognitionError } from '../../../src/domain/errors';
import {
  ForbiddenImagePath,
  FrameImageNotFound,
  InvalidFrameError,
  locateImage,
  parseFrame,
  type Frame,
} from '../../../src/domain/frame';

const FULL_ENTRY = {
  frame_id: ' f-42 ',
  camera_id: 'cam-1',
  timestamp: '2024-05-01T12:00:00.250Z',
  width: '1920',
  height: '1080',
  size_bytes: '123456',
  format: 'jpeg',
  priority: 'high',
  storage_path: '/frames/f-42.jpg',
  storage_backend: 'filesystem',
  metadata: '{"site":"lobby","image_key":"img:42"}',
  trace_context: '{"trace_id":"abc","span_id":"def"}',
  traceparent: ' 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 ',
  tracestate: 'vendor=x',
};

const invalidFrame = (fields: Record<string, string>): InvalidFrameError => {
  try {
    parseFrame(fields);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFrameError);
    return error as InvalidFrameError;
  }
  throw new Error('frame was accepted');
};

describe('parseFrame', () => {
  it('reads every field of a complete queue entry', () => {
    expect(parseFrame(FULL_ENTRY)).toEqual<Frame>({
      frameId: 'f-42',
      cameraId: 'cam-1',
      timestamp: '2024-05-01T12:00:00.250Z',
      capturedAtMs: Date.UTC(2024, 4, 1, 12, 0, 0, 250),
      width: 1920,
      height: 1080,
      sizeBytes: 123456,
      format: 'jpeg',
      priority: 'high',
      storagePath: '/frames/f-42.jpg',
      storageBackend: 'filesystem',
      metadata: { site: 'lobby', image_key: 'img:42' },
      traceContext: { trace_id: 'abc', span_id: 'def' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=x',
    });
  });

  it('fills absent optional fields with empty values', () => {
    expect(parseFrame({ frame_id: 'f1' })).toEqual<Frame>({
      frameId: 'f1',
      cameraId: '',
      timestamp: '',
      capturedAtMs: null,
      width: null,
      height: null,
      sizeBytes: null,
      format: '',
      priority: '',
      storagePath: '',
      storageBackend: '',
      metadata: {},
      traceContext: null,
      traceparent: null,
      tracestate: null,
    });
  });

  it('keeps an unparsable timestamp as sent, without a capture time', () => {
    expect(parseFrame({ frame_id: 'f1', timestamp: 'yesterday-ish' })).toMatchObject({ timestamp: 'yesterday-ish', capturedAtMs: null });
  });

  it('reads blank or non-numeric sizes as unknown', () => {
    expect(parseFrame({ frame_id: 'f1', width: ' ', height: 'tall', size_bytes: 'Infinity' })).toMatchObject({
      width: null,
      height: null,
      sizeBytes: null,
    });
  });

  it('reads blank trace headers as absent', () => {
    expect(parseFrame({ frame_id: 'f1', traceparent: '  ', tracestate: '' })).toMatchObject({ traceparent: null, tracestate: null });
  });

  it('reads JSON null or blank metadata and trace context as absent', () => {
    expect(parseFrame({ frame_id: 'f1', metadata: 'null', trace_context: 'null' })).toMatchObject({ metadata: {}, traceContext: null });
    expect(parseFrame({ frame_id: 'f1', metadata: '  ', trace_context: '' })).toMatchObject({ metadata: {}, traceContext: null });
  });

  it.each([undefined, '', '   '])('rejects an entry whose frame_id is %p, listing the fields it has', (frameId) => {
    const fields: Record<string, string> = { timestamp: 't', camera_id: 'c' };
    if (frameId !== undefined) fields.frame_id = frameId;
    const error = invalidFrame(fields);
    expect(error.code).toBe('invalid_frame');
    expect(error.message).toBe('frame entry has no frame_id');
    expect(error.context).toEqual({ fields: Object.keys(fields).sort().join(',') });
  });

  it('rejects metadata that is not JSON', () => {
    const error = invalidFrame({ frame_id: 'f1', metadata: '{site: lobby}' });
    expect(error.message).toBe("frame f1: field 'metadata' is not valid JSON");
    expect(error.context).toEqual({ frameId: 'f1', field: 'metadata' });
  });

  it.each(['[1,2]', '"text"', '42'])('rejects a trace_context of %s: it must be a JSON object', (raw) => {
    const error = invalidFrame({ frame_id: 'f1', trace_context: raw });
    expect(error.message).toBe("frame f1: field 'trace_context' must be a JSON object");
    expect(error.context).toEqual({ frameId: 'f1', field: 'trace_context' });
  });
});

describe('locateImage', () => {
  const TEMPLATE = 'frame:data:{frame_id}';
  const frame = (fields: Record<string, string>): Frame => parseFrame({ frame_id: 'f1', camera_id: 'cam', ...fields });

  it('1. inline base64 image_data wins over everything', () => {
    const fields = { image_data: 'aGVsbG8=', storage_path: '/x.jpg' };
    expect(locateImage(frame(fields), fields, true, TEMPLATE)).toEqual({ kind: 'inline', encoding: 'base64', field: 'image_data' });
  });

  it('2. then a binary image field', () => {
    const fields = { image_data: '', storage_path: '/x.jpg' };
    expect(locateImage(frame(fields), fields, true, TEMPLATE)).toEqual({ kind: 'inline', encoding: 'binary', field: 'image' });
  });

  it('3. then the storage_path field', () => {
    const fields = { storage_path: '/frames/x.jpg', metadata: '{"image_key":"k"}' };
    expect(locateImage(frame(fields), fields, false, TEMPLATE)).toEqual({ kind: 'file', path: '/frames/x.jpg' });
  });

  it('4. then metadata.image_key', () => {
    const fields = { storage_path: '  ', metadata: '{"image_key":"img:1","storage_path":"/m.jpg"}' };
    expect(locateImage(frame(fields), fields, false, TEMPLATE)).toEqual({ kind: 'redis-key', key: 'img:1' });
  });

  it('5. then metadata.storage_path, then metadata.image_path', () => {
    const both = { metadata: '{"image_key":" ","storage_path":"/m.jpg","image_path":"/i.jpg"}' };
    expect(locateImage(frame(both), both, false, TEMPLATE)).toEqual({ kind: 'file', path: '/m.jpg' });
    const imagePath = { metadata: '{"image_key":7,"image_path":"/i.jpg"}' };
    expect(locateImage(frame(imagePath), imagePath, false, TEMPLATE)).toEqual({ kind: 'file', path: '/i.jpg' });
  });

  it('6. otherwise the key template, with every {frame_id} and {camera_id} substituted', () => {
    expect(locateImage(frame({}), {}, false, 'cam:{camera_id}:frame:{frame_id}:{frame_id}')).toEqual({
      kind: 'redis-key',
      key: 'cam:cam:frame:f1:f1',
    });
  });
});

describe('frame errors', () => {
  it.each([
    [InvalidFrameError, 'invalid_frame'],
    [FrameImageNotFound, 'image_not_found'],
    [ForbiddenImagePath, 'forbidden_image_path'],
  ] as const)('%p is a typed error with its code and context (empty by default)', (ErrorType, code) => {
    const error = new ErrorType('problem', { frameId: 'f1' });
    expect(error).toBeInstanceOf(FaceRecognitionError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(ErrorType.name);
    expect(error.context).toEqual({ frameId: 'f1' });
    expect(new ErrorType('problem').context).toEqual({});
  });
});
