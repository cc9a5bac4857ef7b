import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { stopWithHarness } from '../bench/child-processes';

/**
 * The OTLP/HTTP sink, run with `node -e` in a child process: accepts POST
 * `<prefix>/v1/traces`, counts the spans of OTLP/JSON bodies per prefix and
 * drops them; GET /stats returns the counts and the sink's own CPU time (its
 * work is part of what tracing costs the machine). Prints its port on stdout;
 * exits when its stdin closes (i.e. with the benchmark).
 */
const SINK_SOURCE = String.raw`
const http = require('node:http');
const zlib = require('node:zlib');
const stats = {};
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const path = (req.url || '').split('?')[0];
    if (req.method === 'GET' && path === '/stats') {
      const cpu = process.cpuUsage();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ prefixes: stats, cpuMicros: cpu.user + cpu.system }));
      return;
    }
    if (req.method !== 'POST' || !path.endsWith('/v1/traces')) { res.writeHead(404).end(); return; }
    const prefix = path.slice(0, -'/v1/traces'.length) || '/';
    const entry = (stats[prefix] ??= { requests: 0, spans: 0, bytes: 0, unreadable: 0 });
    entry.requests += 1;
    let body = Buffer.concat(chunks);
    entry.bytes += body.length;
    try {
      const encoding = String(req.headers['content-encoding'] || '').toLowerCase();
      if (encoding === 'gzip') body = zlib.gunzipSync(body);
      else if (encoding === 'deflate') body = zlib.inflateSync(body);
      const doc = JSON.parse(body.toString('utf8'));
      for (const rs of doc.resourceSpans || []) for (const ss of rs.scopeSpans || []) entry.spans += (ss.spans || []).length;
    } catch {
      entry.unreadable += 1;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export interface SinkCounts {
  readonly requests: number;
  readonly spans: number;
  readonly bytes: number;
  readonly unreadable: number;
}

export interface SinkStats {
  readonly prefixes: Readonly<Record<string, SinkCounts>>;
  /** user + system CPU time of the sink process so far. */
  readonly cpuMicros: number;
}

export class ChildProcessSink {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(): Promise<ChildProcessSink> {
    const child = stopWithHarness(spawn(process.execPath, ['-e', SINK_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      const onData = (chunk: Buffer): void => {
        buffered += chunk.toString('utf8');
        const newline = buffered.indexOf('\n');
        if (newline < 0) return;
        child.stdout?.off('data', onData);
        try {
          resolve((JSON.parse(buffered.slice(0, newline)) as { port: number }).port);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      };
      child.stdout?.on('data', onData);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the OTLP sink exited (code ${code}) before listening`)));
    });
    return new ChildProcessSink(child, port);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stats(): Promise<SinkStats> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.port, path: '/stats', method: 'GET', agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as SinkStats);
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      });
      req.once('error', reject);
      req.end();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
