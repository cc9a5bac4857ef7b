import { Counter, Histogram, type Registry } from 'prom-client';

/** Observes one finished HTTP request. */
export interface HttpRequestObserver {
  requestFinished(route: string, method: string, status: number, seconds: number): void;
}

/** Route label of requests that matched no route: unknown paths must not become series of their own. */
export const UNMATCHED_ROUTE = 'unmatched';

/** 5 ms … 30 s: API requests include decoding and inference (and may wait for a slot); /health and /metrics answer in ms. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * `http_requests_total{route,method,status}` and
 * `http_request_duration_seconds{route,method}`, on the service's registry.
 * `route` is the route pattern (`/v1/faces/detect`, later `/v1/persons/:id`)
 * or `unmatched`, so labels stay bounded whatever paths clients send.
 */
export class HttpMetrics implements HttpRequestObserver {
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route' | 'method'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to the end of its answer, by route pattern and method.',
      labelNames: ['route', 'method'],
      buckets: HTTP_DURATION_BUCKETS,
      registers: [registry],
    });
  }

  requestFinished(route: string, method: string, status: number, seconds: number): void {
    this.requests.labels(route, method, String(status)).inc();
    if (Number.isFinite(seconds) && seconds >= 0) this.duration.labels(route, method).observe(seconds);
  }
}
