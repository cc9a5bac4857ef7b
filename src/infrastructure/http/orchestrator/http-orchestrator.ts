import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type {
  HeartbeatOutcome,
  Orchestrator,
  ProcessorRegistration,
  RegistrationOutcome,
} from '../../../application/ports/orchestrator';
import { DependencyUnavailable } from '../../../domain/errors';
import { InvalidRegistrationError, OrchestratorRejected } from './orchestrator-errors';

export interface HttpOrchestratorOptions {
  /** Connect, headers and body timeout of each request, in ms. Default 5000. */
  readonly timeoutMs?: number;
  /**
   * The undici dispatcher to send through. Default: a keep-alive Agent owned
   * by this instance and closed by close(). A dispatcher passed here is not closed.
   */
  readonly dispatcher?: Dispatcher;
  /** User-Agent header. Default "face-recognition". */
  readonly userAgent?: string;
}

/** The JSON body of register / PUT, as frame-buffer-v2 expects it. */
export interface RegistrationBody {
  readonly id: string;
  readonly capabilities: readonly string[];
  readonly capacity: number;
  readonly queue: string;
  readonly health_endpoint?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

const PROCESSOR_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const BODY_EXCERPT_CHARS = 200;

/** The queue frame-buffer-v2 delivers a processor's frames to. */
export const processorQueueName = (processorId: string): string => `frames:ready:${processorId}`;

function checkProcessorId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !PROCESSOR_ID.test(id)) {
    throw new InvalidRegistrationError(`processor id must match ${PROCESSOR_ID.source}`, { id: typeof id === 'string' ? id.slice(0, 140) : null });
  }
}

/**
 * Checks a registration before it is sent (frame-buffer-v2 answers 500 to an
 * empty capability list or a zero capacity instead of rejecting them) and
 * returns its snake_case body. Throws InvalidRegistrationError.
 */
export function registrationBody(registration: ProcessorRegistration): RegistrationBody {
  checkProcessorId(registration.id);
  const { id, capabilities, capacity, queue } = registration;
  if (!Array.isArray(capabilities) || capabilities.length === 0) {
    throw new InvalidRegistrationError('a registration needs at least one capability', { id });
  }
  if (!capabilities.every((c) => typeof c === 'string' && c.trim() !== '')) {
    throw new InvalidRegistrationError('capabilities must be non-empty strings', { id });
  }
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new InvalidRegistrationError('capacity must be a whole number ≥ 1', { id, capacity: Number.isFinite(capacity) ? capacity : String(capacity) });
  }
  if (queue !== processorQueueName(id)) {
    throw new InvalidRegistrationError(`queue must be '${processorQueueName(id)}' (frame-buffer-v2 delivers there)`, { id, queue: String(queue) });
  }
  const body: { -readonly [K in keyof RegistrationBody]: RegistrationBody[K] } = { id, capabilities: [...capabilities], capacity, queue };
  if (registration.healthEndpoint !== undefined) {
    let health: URL;
    try {
      health = new URL(registration.healthEndpoint);
    } catch {
      throw new InvalidRegistrationError('healthEndpoint is not a URL', { id });
    }
    if (health.protocol !== 'http:' && health.protocol !== 'https:') throw new InvalidRegistrationError('healthEndpoint must be http(s)', { id });
    body.health_endpoint = registration.healthEndpoint;
  }
  if (registration.metadata !== undefined) {
    if (typeof registration.metadata !== 'object' || registration.metadata === null || Array.isArray(registration.metadata)) {
      throw new InvalidRegistrationError('metadata must be an object', { id });
    }
    body.metadata = registration.metadata;
  }
  return body;
}

/** The URL without user info, query or fragment: safe for logs and error context. */
export function redactHttpUrl(url: URL | string): string {
  try {
    const u = new URL(url.toString());
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

interface Reply {
  readonly status: number;
  readonly text: string;
}

/**
 * frame-buffer-v2's processor registry over HTTP (undici, keep-alive).
 * Network failures, timeouts and 5xx → DependencyUnavailable (retryable, the
 * lifecycle service backs off); unexpected 4xx → OrchestratorRejected. No
 * retries here. Call close() at shutdown to release the sockets.
 */
export class HttpOrchestrator implements Orchestrator {
  private readonly base: URL;
  private readonly authorization: string | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(baseUrl: string, options: HttpOrchestratorOptions = {}) {
    const base = new URL(baseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`orchestrator URL must be http(s): ${redactHttpUrl(base)}`);
    // Credentials in the URL become a Basic header; they never appear in URLs we log or put in errors.
    this.authorization =
      base.username || base.password
        ? `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`
        : undefined;
    base.username = '';
    base.password = '';
    base.search = '';
    base.hash = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.userAgent = options.userAgent ?? 'face-recognition';
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connect: { timeout: this.timeoutMs },
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        keepAliveTimeout: 10_000,
        connections: 4,
      });
  }

  async register(registration: ProcessorRegistration): Promise<RegistrationOutcome> {
    const body = registrationBody(registration);
    const created = await this.send('POST', 'api/v1/processors/register', body);
    if (created.status === 200 || created.status === 201) return 'registered';
    if (created.status !== 409) throw this.unexpected('POST', 'api/v1/processors/register', created);

    // Registrations persist on the orchestrator: an existing id is ours (a restart), update it.
    const path = `api/v1/processors/${encodeURIComponent(body.id)}`;
    const updated = await this.send('PUT', path, body);
    if (updated.status === 200 || updated.status === 204) return 'updated';
    if (updated.status === 404) {
      // Unregistered between our POST and PUT: one more POST settles it.
      const again = await this.send('POST', 'api/v1/processors/register', body);
      if (again.status === 200 || again.status === 201) return 'registered';
      throw this.unexpected('POST', 'api/v1/processors/register', again);
    }
    throw this.unexpected('PUT', path, updated);
  }

  async heartbeat(processorId: string, status: string): Promise<HeartbeatOutcome> {
    checkProcessorId(processorId);
    const path = 'api/v1/processors/heartbeat';
    const reply = await this.send('POST', path, { processor_id: processorId, status, timestamp: new Date().toISOString() });
    if (reply.status >= 200 && reply.status < 300) return 'ok';
    if (reply.status === 404) return 'unknown_processor';
    throw this.unexpected('POST', path, reply);
  }

  async unregister(processorId: string): Promise<void> {
    checkProcessorId(processorId);
    const path = `api/v1/processors/${encodeURIComponent(processorId)}`;
    const reply = await this.send('DELETE', path);
    if ((reply.status >= 200 && reply.status < 300) || reply.status === 404) return;
    throw this.unexpected('DELETE', path, reply);
  }

  /** GET /health → 200. Never throws: anything else (including no answer) is false. */
  async isHealthy(): Promise<boolean> {
    try {
      const reply = await this.send('GET', 'health');
      return reply.status === 200;
    } catch {
      return false;
    }
  }

  /** Closes the keep-alive sockets (only the Agent this instance created). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private url(path: string): URL {
    return new URL(path, this.base);
  }

  /** One request; the body is always consumed so the socket goes back to the pool. */
  private async send(method: Dispatcher.HttpMethod, path: string, json?: unknown): Promise<Reply> {
    const url = this.url(path);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (this.authorization) headers.authorization = this.authorization;
    if (json !== undefined) headers['content-type'] = 'application/json';
    let status = 0;
    try {
      const response = await request(url, {
        method,
        headers,
        body: json === undefined ? null : JSON.stringify(json),
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = response.statusCode;
      const text = await response.body.text();
      if (status >= 500) {
        throw new DependencyUnavailable(`orchestrator answered ${status} to ${method} ${redactHttpUrl(url)}`, {
          dependency: 'orchestrator',
          method,
          url: redactHttpUrl(url),
          status,
          body: excerpt(text),
        });
      }
      return { status, text };
    } catch (error) {
      if (error instanceof DependencyUnavailable) throw error;
      if (error instanceof undiciErrors.InvalidArgumentError) throw error;
      const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : null;
      throw new DependencyUnavailable(
        `orchestrator unreachable: ${method} ${redactHttpUrl(url)}: ${(error as Error).message ?? String(error)}`,
        { dependency: 'orchestrator', method, url: redactHttpUrl(url), status: status === 0 ? null : status, errorCode: code },
        { cause: error },
      );
    }
  }

  private unexpected(method: string, path: string, reply: Reply): OrchestratorRejected {
    const url = redactHttpUrl(this.url(path));
    return new OrchestratorRejected(`orchestrator rejected ${method} ${url} with ${reply.status}`, reply.status, excerpt(reply.text), {
      method,
      url,
    });
  }
}

const excerpt = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > BODY_EXCERPT_CHARS ? `${flat.slice(0, BODY_EXCERPT_CHARS)}…` : flat;
};
