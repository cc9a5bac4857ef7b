import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureCliBuilt, REPO_ROOT } from '../../support/cli';
import { useFlushedRedis } from '../redis/redis-test-kit';

/**
 * The ioredis instrumentation under the service's tracing set-up (global
 * AsyncLocalStorage context manager, requireParentSpan), against a real
 * redis-server. It runs in a child process on the built code: the
 * instrumentation patches ioredis when it is first required, which jest's
 * module system does not let it do.
 *
 * A command sent inside an active span's scope, after an await too, is a
 * child of that span, also while another scope runs concurrently; a command
 * sent outside every scope has no parent and is not traced.
 */

const CHILD = String.raw`
const { context, trace, ROOT_CONTEXT } = require('@opentelemetry/api');
const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace-node');
const { setupTracing } = require('./dist/infrastructure/telemetry/tracing.js');
const exporter = new InMemorySpanExporter();
const tracing = setupTracing({ serviceName: 'redis-spans-test', exporter, processor: 'simple', sampler: 'always_on' });
const Redis = require('ioredis');
(async () => {
  const redis = new Redis(process.env.REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const scoped = async (name, work) => {
    const span = tracing.tracer.startSpan(name);
    try { return await context.with(trace.setSpan(ROOT_CONTEXT, span), work); } finally { span.end(); }
  };
  const publish = scoped('result.publish', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    await redis.xadd('faces:detected', '*', 'frame_id', 'f-1');
  });
  const fetch = scoped('frame.fetch_image', async () => {
    await redis.get('frame:f-2:image');
  });
  await Promise.all([publish, fetch]);
  await new Promise((resolve) => setImmediate(resolve));
  await redis.ping();
  await redis.quit();
  await tracing.forceFlush();
  const spans = exporter.getFinishedSpans().map((s) => ({
    name: s.name,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext ? s.parentSpanContext.spanId : null,
    statement: s.attributes['db.statement'] ?? s.attributes['db.query.text'] ?? null,
  }));
  await tracing.shutdown(); // (clears the in-memory exporter)
  process.stdout.write(JSON.stringify({ spans }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

interface ChildSpan {
  readonly name: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
}

describe('ioredis spans of the frame scopes (real redis-server)', () => {
  const redis = useFlushedRedis();

  beforeAll(async () => {
    await ensureCliBuilt();
  }, 300_000);

  it('makes each command a child of the scope it was sent in, and traces none outside a scope', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', CHILD], {
      cwd: REPO_ROOT,
      env: { ...process.env, REDIS_URL: redis.server.url, OTEL_SDK_DISABLED: 'false' },
      timeout: 60_000,
    });
    const { spans } = JSON.parse(stdout) as { spans: ChildSpan[] };
    const named = (name: string): ChildSpan => {
      const found = spans.find((s) => s.name === name);
      if (found === undefined) throw new Error(`no ${name} span among ${spans.map((s) => s.name).join(', ')}`);
      return found;
    };
    expect(named('xadd').parentSpanId).toBe(named('result.publish').spanId);
    expect(named('get').parentSpanId).toBe(named('frame.fetch_image').spanId);
    // connect's INFO/handshake and the ping after the scopes: no parent, so no span.
    expect(spans.map((s) => s.name).sort()).toEqual(['frame.fetch_image', 'get', 'result.publish', 'xadd']);
  }, 90_000);
});
