import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { ApiError } from '../errors/api-error';

/**
 * The request timeout of the API (API_REQUEST_TIMEOUT_MS), counted from the
 * request's arrival: when it passes, the request is answered 503 overloaded
 * and its `abandoned` signal aborts, so that work still waiting (an
 * inference slot) gives up; work already handed to the inference workers
 * finishes and its result is dropped. The signal also aborts when the client
 * goes away before its answer.
 *
 * Not fastify's `handlerTimeout` / `request.signal`: in fastify 5.12 both
 * listen to the request's 'close' event, which Node emits as soon as a body
 * has been read, so every POST with a body had its signal aborted (and its
 * timer cleared) before the handler ran (fastify PRs #6725, #7033, open).
 */
export class RequestDeadlines {
  private readonly deadlines = new WeakMap<FastifyRequest, { readonly controller: AbortController; readonly timer: NodeJS.Timeout }>();

  constructor(private readonly timeoutMs: number) {}

  /** Installs the deadline on every route of `app` registered after this call. */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(this.timeoutError()), this.timeoutMs);
      this.deadlines.set(request, { controller, timer });
      reply.raw.once('close', () => {
        clearTimeout(timer);
        if (!reply.raw.writableFinished) controller.abort(new ClientGone());
      });
    });
    app.addHook('onResponse', async (request) => clearTimeout(this.deadlines.get(request)?.timer));
    app.addHook('onRoute', (route) => {
      route.handler = this.bounded(route.handler);
    });
  }

  /** Aborts when the request is given up: its deadline passed, or its client went away. */
  abandoned(request: FastifyRequest): AbortSignal {
    return this.deadlines.get(request)?.controller.signal ?? AbortSignal.abort(new ClientGone());
  }

  /** The handler, answered by the deadline instead when that comes first. */
  private bounded(handler: RouteHandlerMethod): RouteHandlerMethod {
    const abandoned = (request: FastifyRequest): AbortSignal => this.abandoned(request);
    return function boundedHandler(this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const signal = abandoned(request);
      const work = Promise.resolve().then(() => handler.call(this, request, reply));
      return new Promise((resolve, reject) => {
        const onAbort = (): void => (signal.reason instanceof ClientGone ? resolve(undefined) : reject(signal.reason));
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    };
  }

  private timeoutError(): ApiError {
    return new ApiError('overloaded', `the request did not complete within ${this.timeoutMs} ms`, { timeout_ms: this.timeoutMs }, { 'Retry-After': '1' });
  }
}

/** The client closed the connection before its answer: there is nobody to answer. */
class ClientGone extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGone';
  }
}
