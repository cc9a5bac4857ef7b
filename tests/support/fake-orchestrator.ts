/**
 * An HTTP test double of frame-buffer-v2's processor registry (the part the
 * face-recognition processor talks to), on node:http and a free port.
 *
 *   POST   /api/v1/processors/register   201, 409 when the id exists, 500 on empty capabilities / capacity 0
 *   PUT    /api/v1/processors/<id>       200, 404 when unknown
 *   POST   /api/v1/processors/heartbeat  200, 404 when unknown
 *   DELETE /api/v1/processors/<id>       204, 404 when unknown
 *   GET    /health                       200
 *
 * Controls: forget(id) (an orchestrator restart that lost registrations),
 * stop() / start() (down and up again on the same port, registrations kept),
 * failNext(status) (inject errors), close().
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** The path without the query string, e.g. "/api/v1/processors/register". */
  readonly path: string;
  /** The parsed JSON body, the raw text when it is not JSON, or null when empty. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A registration as the orchestrator stores it (the snake_case JSON body). */
export interface StoredRegistration {
  readonly id: string;
  readonly capabilities: readonly string[];
  readonly capacity: number;
  readonly queue: string;
  readonly health_endpoint?: string;
  readonly metadata?: Record<string, unknown>;
  /** Last heartbeat received, if any. */
  readonly last_heartbeat?: { readonly status: string; readonly timestamp: string };
}

const PREFIX = '/api/v1/processors';

export class FakeOrchestrator {
  /** Every request received, in order (also those answered by failNext). */
  readonly requests: RecordedRequest[] = [];
  /** TCP connections accepted so far (keep-alive clients reuse theirs). */
  connections = 0;
  private readonly registry = new Map<string, StoredRegistration>();
  private readonly injected: number[] = [];
  private server: Server | null = null;

  private constructor(private boundPort: number) {}

  /** Starts on a free port (or the given one). */
  static async start(port = 0): Promise<FakeOrchestrator> {
    const fake = new FakeOrchestrator(port);
    await fake.start();
    return fake;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Base URL, e.g. http://127.0.0.1:41234 */
  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Listens again (same port after a stop()). Registrations survive a stop/start. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    server.on('connection', () => (this.connections += 1));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Goes down: closes the listener and every open (keep-alive) connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Stops for good. */
  async close(): Promise<void> {
    await this.stop();
  }

  /** Forgets one registration (or all, without an id), like an orchestrator restart without persistence. */
  forget(id?: string): void {
    if (id === undefined) this.registry.clear();
    else this.registry.delete(id);
  }

  /** The next `count` requests are answered with `status` (and a JSON error body), whatever they are. */
  failNext(status: number, count = 1): void {
    for (let i = 0; i < count; i += 1) this.injected.push(status);
  }

  registration(id: string): StoredRegistration | undefined {
    return this.registry.get(id);
  }

  registrations(): ReadonlyMap<string, StoredRegistration> {
    return new Map(this.registry);
  }

  /** Recorded requests filtered by method and path. */
  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    this.requests.push({ method, path, body, headers: { ...req.headers } });

    const injected = this.injected.shift();
    if (injected !== undefined) return send(res, injected, { error: 'injected failure' });

    if (method === 'GET' && path === '/health') return send(res, 200, { status: 'healthy' });
    if (method === 'POST' && path === `${PREFIX}/register`) return this.register(res, body);
    if (method === 'POST' && path === `${PREFIX}/heartbeat`) return this.heartbeat(res, body);
    if (path.startsWith(`${PREFIX}/`)) {
      const id = decodeURIComponent(path.slice(PREFIX.length + 1));
      if (method === 'PUT') return this.update(res, id, body);
      if (method === 'DELETE') return this.unregister(res, id);
    }
    return send(res, 404, { error: 'not found' });
  }

  private register(res: ServerResponse, body: unknown): void {
    const parsed = parseRegistration(body);
    if (typeof parsed === 'string') return send(res, parsed.startsWith('500') ? 500 : 400, { error: parsed });
    if (this.registry.has(parsed.id)) return send(res, 409, { error: `processor ${parsed.id} already registered` });
    this.registry.set(parsed.id, parsed);
    send(res, 201, { status: 'registered', id: parsed.id });
  }

  private update(res: ServerResponse, id: string, body: unknown): void {
    const parsed = parseRegistration(body);
    if (typeof parsed === 'string') return send(res, parsed.startsWith('500') ? 500 : 400, { error: parsed });
    if (parsed.id !== id) return send(res, 400, { error: 'id in path and body differ' });
    const previous = this.registry.get(id);
    if (!previous) return send(res, 404, { error: `processor ${id} not found` });
    this.registry.set(id, { ...parsed, ...(previous.last_heartbeat ? { last_heartbeat: previous.last_heartbeat } : {}) });
    send(res, 200, { status: 'updated', id });
  }

  private heartbeat(res: ServerResponse, body: unknown): void {
    const b = (body ?? {}) as Record<string, unknown>;
    if (typeof b.processor_id !== 'string' || typeof b.status !== 'string' || typeof b.timestamp !== 'string') {
      return send(res, 400, { error: 'processor_id, status and timestamp are required' });
    }
    const current = this.registry.get(b.processor_id);
    if (!current) return send(res, 404, { error: `processor ${b.processor_id} not found` });
    this.registry.set(b.processor_id, { ...current, last_heartbeat: { status: b.status, timestamp: b.timestamp } });
    send(res, 200, { status: 'ok' });
  }

  private unregister(res: ServerResponse, id: string): void {
    if (!this.registry.delete(id)) return send(res, 404, { error: `processor ${id} not found` });
    res.writeHead(204).end();
  }
}

/** A StoredRegistration, or an error message ("500 ..." for what the real orchestrator answers with 500). */
function parseRegistration(body: unknown): StoredRegistration | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.id !== 'string' || b.id === '') return 'id is required';
  if (typeof b.queue !== 'string' || b.queue === '') return 'queue is required';
  if (!Array.isArray(b.capabilities) || !b.capabilities.every((c) => typeof c === 'string')) return 'capabilities must be a list of strings';
  if (typeof b.capacity !== 'number' || !Number.isInteger(b.capacity) || b.capacity < 0) return 'capacity must be a whole number';
  // The real frame-buffer-v2 crashes on these instead of validating them.
  if (b.capabilities.length === 0) return '500 internal error: empty capabilities';
  if (b.capacity === 0) return '500 internal error: division by zero capacity';
  return {
    id: b.id,
    capabilities: b.capabilities as string[],
    capacity: b.capacity,
    queue: b.queue,
    ...(typeof b.health_endpoint === 'string' ? { health_endpoint: b.health_endpoint } : {}),
    ...(typeof b.metadata === 'object' && b.metadata !== null ? { metadata: b.metadata as Record<string, unknown> } : {}),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

/**
 * A FakeOrchestrator for the tests of a describe block: started before them,
 * closed after them. Call it at the top of the block.
 */
export function useFakeOrchestrator(): { readonly fake: FakeOrchestrator } {
  let fake: FakeOrchestrator | undefined;
  beforeAll(async () => {
    fake = await FakeOrchestrator.start();
  });
  afterAll(async () => {
    await fake?.close();
  });
  return {
    get fake() {
      if (!fake) throw new Error('useFakeOrchestrator: the orchestrator runs only inside the describe block\'s tests');
      return fake;
    },
  };
}
