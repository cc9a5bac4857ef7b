import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';

/**
 * A real OTLP/HTTP trace receiver for tests: accepts JSON export requests on
 * POST /v1/traces (what @opentelemetry/exporter-trace-otlp-http sends) and
 * keeps the spans, flattened. Protobuf requests are refused with 415.
 */

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

export interface ReceivedLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export interface ReceivedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  /** undefined for a root span. */
  readonly parentSpanId: string | undefined;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly links: readonly ReceivedLink[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message?: string };
  readonly events: readonly { readonly name: string; readonly attributes: Readonly<Record<string, AttributeValue>> }[];
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scope: string;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

function anyValue(value: OtlpAnyValue | undefined): AttributeValue {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(anyValue);
  if (value.kvlistValue !== undefined) return attributes(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}

function attributes(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const kv of list ?? []) result[kv.key] = anyValue(kv.value);
  return result;
}

/** OTLP/JSON ids are hex; accept base64 (protobuf-style JSON) too. */
function id(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '';
  if (/^[0-9a-f]+$/i.test(value) && (value.length === 32 || value.length === 16)) return value.toLowerCase();
  return Buffer.from(value, 'base64').toString('hex');
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the OTLP JSON document is walked loosely */
export function flattenExportRequest(body: any): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of body?.resourceSpans ?? []) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const parent = id(span.parentSpanId);
        spans.push({
          name: span.name,
          traceId: id(span.traceId),
          spanId: id(span.spanId),
          parentSpanId: parent === '' || /^0+$/.test(parent) ? undefined : parent,
          kind: span.kind ?? 0,
          attributes: attributes(span.attributes),
          links: (span.links ?? []).map((link: any) => ({ traceId: id(link.traceId), spanId: id(link.spanId), attributes: attributes(link.attributes) })),
          status: { code: span.status?.code ?? 0, ...(span.status?.message ? { message: span.status.message } : {}) },
          events: (span.events ?? []).map((event: any) => ({ name: event.name, attributes: attributes(event.attributes) })),
          resource,
          scope: scopeSpans.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = (request.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  return raw;
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Export requests received (accepted or not). */
  requests = 0;
  private waiters: (() => void)[] = [];

  private constructor(private readonly server: Server) {}

  /** Starts listening on 127.0.0.1 on a free port. */
  static async start(): Promise<OtlpReceiver> {
    const holder: { receiver?: OtlpReceiver } = {};
    const server = createServer((request, response) => {
      void (async () => {
        const receiver = holder.receiver as OtlpReceiver;
        receiver.requests += 1;
        if (request.method !== 'POST' || (request.url ?? '').split('?')[0] !== '/v1/traces') {
          response.writeHead(404).end();
          return;
        }
        if (!(request.headers['content-type'] ?? '').includes('json')) {
          response.writeHead(415, { 'Content-Type': 'text/plain' }).end('this test receiver only accepts OTLP/JSON');
          return;
        }
        try {
          receiver.accept(JSON.parse((await readBody(request)).toString('utf8')));
          response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
        } catch (error) {
          response.writeHead(400, { 'Content-Type': 'text/plain' }).end(String(error));
        }
      })();
    });
    const receiver = new OtlpReceiver(server);
    holder.receiver = receiver;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (spans are posted to `<endpoint>/v1/traces`). */
  get endpoint(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  named(name: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.name === name);
  }

  clear(): void {
    this.spans.length = 0;
  }

  /** Resolves once `predicate` holds over the received spans (checked on every export), or rejects after `timeoutMs`. */
  async waitFor(predicate: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.spans)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`OTLP receiver: condition not met within ${timeoutMs} ms (${this.spans.length} spans received)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private accept(body: unknown): void {
    this.spans.push(...flattenExportRequest(body));
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/*
 * Jest only. @opentelemetry/otlp-exporter-base loads `http` with a dynamic
 * `import('http')`, which jest's VM sandbox rejects ("A dynamic import callback
 * was invoked without --experimental-vm-modules", opentelemetry-js#6035).
 * Outside jest (the service itself) nothing is needed. In a test file:
 *
 *   jest.mock(jest.requireActual('../../support/otlp-receiver').OTLP_HTTP_TRANSPORT_MODULE, () =>
 *     jest.requireActual('../../support/otlp-receiver').jestOtlpHttpTransportModule());
 *
 * Only the module that picks the request function is replaced: the exporter,
 * its configuration, JSON serializer, retries and the real HTTP request
 * (the library's own sendWithHttp) are unchanged.
 */
export const OTLP_HTTP_TRANSPORT_MODULE = join(dirname(require.resolve('@opentelemetry/otlp-exporter-base')), 'transport', 'http-exporter-transport.js');

interface TransportParameters {
  url: string;
  headers(): Promise<Record<string, string>> | Record<string, string>;
  compression: 'gzip' | 'none';
  userAgent?: string;
}

export function jestOtlpHttpTransportModule(): { createHttpExporterTransport(parameters: TransportParameters): unknown } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal module of the exporter, resolved by path
  const { sendWithHttp } = require(join(dirname(OTLP_HTTP_TRANSPORT_MODULE), 'http-transport-utils.js')) as {
    sendWithHttp(...args: unknown[]): Promise<unknown>;
  };
  return {
    createHttpExporterTransport: (parameters: TransportParameters) => {
      const agent = new Agent({ keepAlive: false });
      return {
        send: async (data: Uint8Array, timeoutMillis: number) =>
          sendWithHttp(request, parameters.url, await parameters.headers(), parameters.compression, parameters.userAgent, agent, data, timeoutMillis),
        shutdown: () => agent.destroy(),
      };
    },
  };
}
