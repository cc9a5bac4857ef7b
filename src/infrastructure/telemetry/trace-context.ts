import { TraceFlags, createTraceState, type SpanContext } from '@opentelemetry/api';
import type { OutgoingTraceFields } from '../../application/ports/frame-telemetry';
import type { Frame } from '../../domain/frame';

/**
 * The W3C trace context a frame carries, and the fields written back into its
 * result so downstream services continue the same trace.
 *
 * Upstream (frame-buffer-v2 and its producers) sends the producer's context in
 * one of these ways, tried in this order:
 *   1. a `traceparent` entry field (and optionally `tracestate`);
 *   2. a `trace_context` JSON field, either `{"traceparent": "00-…", "tracestate"?: "…"}`
 *      ("traceparent form") or `{"trace_id": "<32 hex>", "span_id": "<16 hex>", "trace_flags": "01"}`
 *      ("ids form").
 * The first valid one wins. Anything unusable (bad hex, all-zero ids, a version
 * other than 00, …) yields no parent: the frame starts a new root trace and the
 * caller counts it; it never fails the frame.
 */

/** The shape of `trace_context` JSON to write back: the same as received (traceparent form when none was). */
export type TraceContextForm = 'traceparent' | 'ids';

export type TraceContextStatus = 'valid' | 'missing' | 'invalid';

export interface ExtractedTraceContext {
  /** The producer's span context (remote), or undefined: start a new root. */
  readonly parent: SpanContext | undefined;
  /** valid = parent found; missing = nothing was sent; invalid = something was sent but none of it was usable. */
  readonly status: TraceContextStatus;
  /** The `trace_context` form to publish back. */
  readonly form: TraceContextForm;
}

/** The raw trace inputs of a frame, whether it parsed (Frame) or not (entry fields). */
export interface TraceCarrier {
  readonly traceparent?: string | null;
  readonly tracestate?: string | null;
  /** Parsed `trace_context` JSON, or its raw text (entry fields of a frame that did not parse). */
  readonly traceContext?: Readonly<Record<string, unknown>> | string | null;
}

// Only version 00 is understood: anything else (including the forbidden ff) is counted as invalid.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const FLAGS = /^[0-9a-f]{2}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
/** W3C limit on tracestate (512 characters are the minimum to propagate; longer ones may be dropped). */
const MAX_TRACESTATE_LENGTH = 512;

const MISSING: ExtractedTraceContext = { parent: undefined, status: 'missing', form: 'traceparent' };

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function remoteContext(traceId: string, spanId: string, flags: number, tracestate: unknown): SpanContext | undefined {
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: flags & 0xff, isRemote: true };
  if (nonEmpty(tracestate) && tracestate.length <= MAX_TRACESTATE_LENGTH) {
    // createTraceState drops invalid list members itself; an empty result is not worth carrying.
    const traceState = createTraceState(tracestate.trim());
    if (traceState.serialize() !== '') return { ...context, traceState };
  }
  return context;
}

/** Parses a W3C `traceparent` header value (version 00 only). */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): SpanContext | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  if (match === null) return undefined;
  return remoteContext(match[1] as string, match[2] as string, parseInt(match[3] as string, 16), tracestate);
}

const hexField = (value: unknown, pattern: RegExp): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const normalized = value.trim().toLowerCase();
  return pattern.test(normalized) ? normalized : undefined;
};

function parseFlags(value: unknown): number | undefined {
  // Absent flags: the producer did not say; it sent its context to be continued, so treat it as sampled.
  if (value === undefined || value === null) return TraceFlags.SAMPLED;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 0xff ? value : undefined;
  const hex = hexField(value, FLAGS);
  return hex === undefined ? undefined : parseInt(hex, 16);
}

function parseJsonText(raw: string): Readonly<Record<string, unknown>> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads `trace_context` JSON in either upstream form. */
export function parseTraceContextJson(
  traceContext: Readonly<Record<string, unknown>> | string,
): { readonly parent: SpanContext | undefined; readonly form: TraceContextForm } {
  const json = typeof traceContext === 'string' ? parseJsonText(traceContext) : traceContext;
  if (json === undefined) return { parent: undefined, form: 'traceparent' };
  const tracestate = json.tracestate ?? json.trace_state;
  if (json.traceparent !== undefined) return { parent: parseTraceparent(json.traceparent, tracestate), form: 'traceparent' };
  if (json.trace_id !== undefined || json.span_id !== undefined) {
    const traceId = hexField(json.trace_id, TRACE_ID);
    const spanId = hexField(json.span_id, SPAN_ID);
    const flags = parseFlags(json.trace_flags);
    const parent = traceId !== undefined && spanId !== undefined && flags !== undefined ? remoteContext(traceId, spanId, flags, tracestate) : undefined;
    return { parent, form: 'ids' };
  }
  return { parent: undefined, form: 'traceparent' };
}

/** The parent trace context of a frame (see the file comment for the accepted inputs). */
export function extractTraceContext(carrier: TraceCarrier): ExtractedTraceContext {
  const hasTraceparent = nonEmpty(carrier.traceparent);
  const rawContext = carrier.traceContext;
  const hasTraceContext = rawContext !== undefined && rawContext !== null && (typeof rawContext !== 'string' || rawContext.trim() !== '');
  if (!hasTraceparent && !hasTraceContext) return MISSING;

  const fromJson = hasTraceContext ? parseTraceContextJson(rawContext) : undefined;
  const form = fromJson?.form ?? 'traceparent';
  const fromField = hasTraceparent ? parseTraceparent(carrier.traceparent, carrier.tracestate) : undefined;
  const parent = fromField ?? fromJson?.parent;
  return { parent, status: parent === undefined ? 'invalid' : 'valid', form };
}

export const traceCarrierOfFrame = (frame: Frame): TraceCarrier => ({
  traceparent: frame.traceparent,
  tracestate: frame.tracestate,
  traceContext: frame.traceContext,
});

/** For an entry whose frame did not parse: read the same fields from the raw entry. */
export const traceCarrierOfFields = (fields: Readonly<Record<string, string>>): TraceCarrier => ({
  traceparent: fields.traceparent ?? null,
  tracestate: fields.tracestate ?? null,
  traceContext: fields.trace_context ?? null,
});

const hex2 = (flags: number): string => (flags & 0xff).toString(16).padStart(2, '0');

export const formatTraceparent = (context: SpanContext): string => `00-${context.traceId}-${context.spanId}-${hex2(context.traceFlags)}`;

const isValid = (context: SpanContext): boolean =>
  TRACE_ID.test(context.traceId) && SPAN_ID.test(context.spanId) && context.traceId !== ZERO_TRACE_ID && context.spanId !== ZERO_SPAN_ID;

/**
 * The trace fields of a published result: `traceparent` of the given span,
 * `tracestate` when there is one, and `trace_context` JSON in `form`.
 * An invalid span context (no tracing and no parent) yields no fields.
 */
export function outgoingTraceFields(context: SpanContext, form: TraceContextForm): OutgoingTraceFields {
  if (!isValid(context)) return {};
  const traceparent = formatTraceparent(context);
  const tracestate = context.traceState?.serialize() ?? '';
  const traceContext =
    form === 'ids'
      ? { trace_id: context.traceId, span_id: context.spanId, trace_flags: hex2(context.traceFlags), ...(tracestate ? { tracestate } : {}) }
      : { traceparent, ...(tracestate ? { tracestate } : {}) };
  return { traceparent, ...(tracestate ? { tracestate } : {}), trace_context: JSON.stringify(traceContext) };
}
