import { TraceFlags, createTraceState } from '@opentelemetry/api';
import { parseFrame } from '../../../../src/domain/frame';
import {
  extractTraceContext,
  formatTraceparent,
  outgoingTraceFields,
  parseTraceContextJson,
  parseTraceparent,
  traceCarrierOfFields,
  traceCarrierOfFrame,
} from '../../../../src/infrastructure/telemetry/trace-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('parseTraceparent', () => {
  it('reads a version-00 traceparent as a remote context', () => {
    expect(parseTraceparent(TRACEPARENT)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  });

  it('keeps the unsampled flag and other flag bits', () => {
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(TraceFlags.NONE);
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-03`)?.traceFlags).toBe(3);
  });

  it('tolerates surrounding whitespace', () => {
    expect(parseTraceparent(`  ${TRACEPARENT}\n`)?.traceId).toBe(TRACE_ID);
  });

  it('attaches a tracestate when one is given', () => {
    const context = parseTraceparent(TRACEPARENT, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    expect(context?.traceState?.get('congo')).toBe('t61rcWkgMzE');
    expect(context?.traceState?.serialize()).toBe('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
  });

  it('ignores an empty or unusable tracestate without rejecting the traceparent', () => {
    expect(parseTraceparent(TRACEPARENT, '')?.traceState).toBeUndefined();
    expect(parseTraceparent(TRACEPARENT, '   ')?.traceState).toBeUndefined();
    expect(parseTraceparent(TRACEPARENT, 'x'.repeat(600))?.traceState).toBeUndefined();
    expect(parseTraceparent(TRACEPARENT, 'not a list member')?.traceId).toBe(TRACE_ID);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'hello'],
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['unknown version', `01-${TRACE_ID}-${SPAN_ID}-01`],
    ['non-hex version', `0g-${TRACE_ID}-${SPAN_ID}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['non-hex trace id', `00-${'z'.repeat(32)}-${SPAN_ID}-01`],
    ['short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['long span id', `00-${TRACE_ID}-${SPAN_ID}0-01`],
    ['three-digit flags', `00-${TRACE_ID}-${SPAN_ID}-001`],
    ['non-hex flags', `00-${TRACE_ID}-${SPAN_ID}-0x`],
    ['version 00 with extra field', `${TRACEPARENT}-extra`],
    ['wrong separators', `00_${TRACE_ID}_${SPAN_ID}_01`],
  ])('rejects %s', (_name, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it.each([[undefined], [null], [42], [{}]])('rejects a non-string %p', (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe('parseTraceContextJson', () => {
  it('reads the traceparent form', () => {
    expect(parseTraceContextJson({ traceparent: TRACEPARENT })).toEqual({
      parent: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true },
      form: 'traceparent',
    });
  });

  it('reads the traceparent form with a tracestate', () => {
    const { parent, form } = parseTraceContextJson({ traceparent: TRACEPARENT, tracestate: 'vendor=value' });
    expect(form).toBe('traceparent');
    expect(parent?.traceState?.get('vendor')).toBe('value');
  });

  it('reads the ids form', () => {
    expect(parseTraceContextJson({ trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' })).toEqual({
      parent: { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true },
      form: 'ids',
    });
  });

  it('accepts upper-case ids, numeric flags and absent flags (sampled) in the ids form', () => {
    expect(parseTraceContextJson({ trace_id: TRACE_ID.toUpperCase(), span_id: SPAN_ID.toUpperCase(), trace_flags: '00' }).parent).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 0,
      isRemote: true,
    });
    expect(parseTraceContextJson({ trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: 1 }).parent?.traceFlags).toBe(1);
    expect(parseTraceContextJson({ trace_id: TRACE_ID, span_id: SPAN_ID }).parent?.traceFlags).toBe(TraceFlags.SAMPLED);
  });

  it('reads a tracestate next to the ids', () => {
    const { parent } = parseTraceContextJson({ trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01', tracestate: 'a=1' });
    expect(parent?.traceState?.get('a')).toBe('1');
  });

  it('parses the raw JSON text of an entry', () => {
    expect(parseTraceContextJson(JSON.stringify({ trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' })).form).toBe('ids');
    expect(parseTraceContextJson(JSON.stringify({ traceparent: TRACEPARENT })).parent?.spanId).toBe(SPAN_ID);
  });

  it.each([
    ['zero trace id', { trace_id: '0'.repeat(32), span_id: SPAN_ID, trace_flags: '01' }],
    ['zero span id', { trace_id: TRACE_ID, span_id: '0'.repeat(16), trace_flags: '01' }],
    ['short trace id', { trace_id: TRACE_ID.slice(2), span_id: SPAN_ID, trace_flags: '01' }],
    ['non-hex span id', { trace_id: TRACE_ID, span_id: 'xyz0aa0ba902b7zz', trace_flags: '01' }],
    ['missing span id', { trace_id: TRACE_ID, trace_flags: '01' }],
    ['missing trace id', { span_id: SPAN_ID, trace_flags: '01' }],
    ['numeric trace id', { trace_id: 12345, span_id: SPAN_ID, trace_flags: '01' }],
    ['bad flags', { trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: 'yes' }],
    ['flags out of range', { trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: 300 }],
  ])('rejects the ids form with %s (and still reports the ids form)', (_name, json) => {
    expect(parseTraceContextJson(json)).toEqual({ parent: undefined, form: 'ids' });
  });

  it.each([
    ['invalid traceparent', { traceparent: 'nonsense' }],
    ['no known key', { foo: 'bar' }],
    ['empty object', {}],
  ])('rejects %s', (_name, json) => {
    expect(parseTraceContextJson(json).parent).toBeUndefined();
  });

  it.each([['not json'], ['[1,2]'], ['null'], ['"text"']])('rejects the JSON text %p', (text) => {
    expect(parseTraceContextJson(text)).toEqual({ parent: undefined, form: 'traceparent' });
  });
});

describe('extractTraceContext', () => {
  it('reports missing when nothing was sent', () => {
    expect(extractTraceContext({})).toEqual({ parent: undefined, status: 'missing', form: 'traceparent' });
    expect(extractTraceContext({ traceparent: null, tracestate: null, traceContext: null })).toEqual({
      parent: undefined,
      status: 'missing',
      form: 'traceparent',
    });
    expect(extractTraceContext({ traceparent: '  ', traceContext: '' }).status).toBe('missing');
  });

  it('prefers the traceparent field', () => {
    const other = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    const result = extractTraceContext({ traceparent: TRACEPARENT, traceContext: { traceparent: other } });
    expect(result.status).toBe('valid');
    expect(result.parent?.traceId).toBe(TRACE_ID);
  });

  it('uses the tracestate field with the traceparent field', () => {
    expect(extractTraceContext({ traceparent: TRACEPARENT, tracestate: 'k=v' }).parent?.traceState?.get('k')).toBe('v');
  });

  it('falls back to trace_context when the traceparent field is invalid', () => {
    const result = extractTraceContext({ traceparent: 'broken', traceContext: { trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' } });
    expect(result).toMatchObject({ status: 'valid', form: 'ids' });
    expect(result.parent?.spanId).toBe(SPAN_ID);
  });

  it('echoes the ids form even when the parent came from the traceparent field', () => {
    const result = extractTraceContext({ traceparent: TRACEPARENT, traceContext: { trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' } });
    expect(result.form).toBe('ids');
  });

  it('reports invalid when something was sent but nothing is usable', () => {
    expect(extractTraceContext({ traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` })).toEqual({
      parent: undefined,
      status: 'invalid',
      form: 'traceparent',
    });
    expect(extractTraceContext({ traceContext: { trace_id: 'nope', span_id: SPAN_ID } })).toEqual({ parent: undefined, status: 'invalid', form: 'ids' });
    expect(extractTraceContext({ traceContext: '{not json' }).status).toBe('invalid');
    expect(extractTraceContext({ traceContext: {} }).status).toBe('invalid');
  });

  it('reads a parsed frame', () => {
    const frame = parseFrame({ frame_id: 'f1', camera_id: 'c1', timestamp: '2024-01-01T00:00:00Z', traceparent: TRACEPARENT, tracestate: 'a=b' });
    const result = extractTraceContext(traceCarrierOfFrame(frame));
    expect(result.status).toBe('valid');
    expect(result.parent?.traceState?.get('a')).toBe('b');
  });

  it('reads the trace_context of a parsed frame in the ids form', () => {
    const frame = parseFrame({ frame_id: 'f1', trace_context: JSON.stringify({ trace_id: TRACE_ID, span_id: SPAN_ID, trace_flags: '01' }) });
    expect(extractTraceContext(traceCarrierOfFrame(frame))).toMatchObject({ status: 'valid', form: 'ids' });
  });

  it('reads the raw fields of an entry that did not parse', () => {
    const fields = { trace_context: JSON.stringify({ traceparent: TRACEPARENT }) };
    expect(extractTraceContext(traceCarrierOfFields(fields))).toMatchObject({ status: 'valid', form: 'traceparent' });
    expect(extractTraceContext(traceCarrierOfFields({ traceparent: TRACEPARENT })).parent?.spanId).toBe(SPAN_ID);
    expect(extractTraceContext(traceCarrierOfFields({})).status).toBe('missing');
  });
});

describe('outgoingTraceFields', () => {
  const span = { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: 1 };

  it('writes the traceparent form by default', () => {
    expect(outgoingTraceFields(span, 'traceparent')).toEqual({
      traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
      trace_context: JSON.stringify({ traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` }),
    });
  });

  it('writes the ids form when the frame came in that form', () => {
    const fields = outgoingTraceFields(span, 'ids');
    expect(fields.traceparent).toBe(`00-${TRACE_ID}-b7ad6b7169203331-01`);
    expect(JSON.parse(fields.trace_context as string)).toEqual({ trace_id: TRACE_ID, span_id: 'b7ad6b7169203331', trace_flags: '01' });
  });

  it('carries the tracestate in a field and inside trace_context', () => {
    const withState = { ...span, traceFlags: 0, traceState: createTraceState('vendor=x') };
    const fields = outgoingTraceFields(withState, 'traceparent');
    expect(fields.tracestate).toBe('vendor=x');
    expect(JSON.parse(fields.trace_context as string)).toEqual({ traceparent: `00-${TRACE_ID}-b7ad6b7169203331-00`, tracestate: 'vendor=x' });
    expect(JSON.parse(outgoingTraceFields(withState, 'ids').trace_context as string)).toEqual({
      trace_id: TRACE_ID,
      span_id: 'b7ad6b7169203331',
      trace_flags: '00',
      tracestate: 'vendor=x',
    });
  });

  it('writes nothing for an invalid span context', () => {
    expect(outgoingTraceFields({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }, 'traceparent')).toEqual({});
  });

  it('round-trips through the parsers', () => {
    const parsed = extractTraceContext({ traceContext: JSON.parse(outgoingTraceFields(span, 'ids').trace_context as string) });
    expect(parsed).toMatchObject({ status: 'valid', form: 'ids', parent: { traceId: TRACE_ID, spanId: 'b7ad6b7169203331' } });
    expect(parseTraceparent(formatTraceparent(span))).toMatchObject(span);
  });
});
