import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { percentile } from '../telemetry/stage-timings';
import { UsageError } from './output';

export interface ApiLoadOptions {
  /** Base URL of the service, e.g. http://127.0.0.1:8003. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Concurrent clients, each sending its next request when the previous one is answered (closed loop). */
  readonly clients: number;
  /** `verify` (1:N, POST /v1/faces/verify) or `detect` (POST /v1/faces/detect). */
  readonly route: 'verify' | 'detect';
  readonly imagePath: string;
}

export interface ApiLoadReport {
  readonly requests: number;
  /** Answers by HTTP status; `error` counts requests that got no answer. */
  readonly byStatus: Readonly<Record<string, number>>;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
}

const ROUTES = { verify: '/v1/faces/verify', detect: '/v1/faces/detect' } as const;

export function parseApiRoute(raw: string | undefined): ApiLoadOptions['route'] {
  if (raw === undefined || raw === 'verify' || raw === 'detect') return raw ?? 'verify';
  throw new UsageError(`--api-route must be 'verify' or 'detect', got '${raw}'`);
}

/**
 * API clients beside the frame stream: `clients` closed loops posting one
 * image to the route until stopped, so that the stream's latency can be
 * measured with and without on-demand work competing for the inference
 * workers (issue: "Sharing the machine with the stream").
 */
export async function startApiLoad(options: ApiLoadOptions): Promise<{ stop(): Promise<ApiLoadReport> }> {
  const body = JSON.stringify({ image: (await readFile(options.imagePath)).toString('base64') });
  const url = `${options.baseUrl.replace(/\/$/, '')}${ROUTES[options.route]}`;
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  let running = true;
  const client = async (): Promise<void> => {
    while (running) {
      const started = performance.now();
      let status: string;
      try {
        const answer = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
          body,
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
        await answer.body.dump();
        status = String(answer.statusCode);
        // A refusal (503 overloaded, 429, 401) is answered at once: back off as a well-behaved client would.
        if (answer.statusCode >= 400) await new Promise((resolve) => setTimeout(resolve, 100));
      } catch {
        status = 'error';
      }
      latencies.push(performance.now() - started);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
  };
  const loops = Array.from({ length: options.clients }, () => client());
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return {
        requests: latencies.length,
        byStatus,
        latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
      };
    },
  };
}
