import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * A real Prometheus server (and promtool) for tests: Debian's `prometheus`
 * package provides /usr/bin/prometheus and /usr/bin/promtool; PROMETHEUS_BIN
 * and PROMTOOL_BIN override them. Tests skip when they are absent.
 */

function executable(name: string, override: string | undefined): string | undefined {
  const candidates = override ? [override] : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name)), `/usr/bin/${name}`];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

export const PROMETHEUS_BIN = executable('prometheus', process.env.PROMETHEUS_BIN);
export const PROMTOOL_BIN = executable('promtool', process.env.PROMTOOL_BIN);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

export interface PrometheusOptions {
  /** host:port targets scraped under job `face-recognition`. */
  readonly targets: readonly string[];
  readonly scrapeIntervalSeconds?: number;
  /** Rule files loaded by the server (absolute paths); their health is readable with `ruleHealth()`. */
  readonly ruleFiles?: readonly string[];
  readonly jobName?: string;
}

export class PrometheusServer {
  private stderr = '';
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-20_000);
    });
    child.once('exit', () => {
      this.exited = true;
    });
  }

  /** Starts Prometheus on a free port with a temporary config and TSDB, and waits until it is ready. */
  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    if (PROMETHEUS_BIN === undefined) throw new Error('prometheus is not installed (apt-get install prometheus, or set PROMETHEUS_BIN)');
    const intervalMs = Math.max(100, Math.round((options.scrapeIntervalSeconds ?? 1) * 1000));
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-test-'));
    const config = [
      'global:',
      `  scrape_interval: ${intervalMs}ms`,
      `  scrape_timeout: ${Math.round(intervalMs * 0.9)}ms`,
      `  evaluation_interval: ${intervalMs}ms`,
      ...(options.ruleFiles?.length ? ['rule_files:', ...options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
      'scrape_configs:',
      `  - job_name: ${JSON.stringify(options.jobName ?? 'face-recognition')}`,
      '    static_configs:',
      `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`);
    try {
      await server.waitUntilReady();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get logs(): string {
    return this.stderr;
  }

  private async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`prometheus exited:\n${this.stderr}`);
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`prometheus not ready within ${timeoutMs} ms:\n${this.stderr}`);
  }

  /** An instant query through the HTTP API (`/api/v1/query`). Throws on a query error. */
  async query(expr: string, time?: number): Promise<PromSample[]> {
    const body = new URLSearchParams({ query: expr, ...(time !== undefined ? { time: String(time) } : {}) });
    const response = await fetch(`${this.url}/api/v1/query`, { method: 'POST', body });
    const json = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
    if (json.status !== 'success') throw new Error(`query failed: ${json.error ?? response.status}: ${expr}`);
    const { resultType, result } = json.data as { resultType: string; result: unknown };
    if (resultType === 'vector') return result as PromSample[];
    if (resultType === 'scalar') return [{ metric: {}, value: result as [number, string] }];
    throw new Error(`unexpected result type ${resultType} for ${expr}`);
  }

  /** Polls `expr` until `accept` holds for its samples, or throws after `timeoutMs`. */
  async waitFor(expr: string, accept: (samples: PromSample[]) => boolean, timeoutMs = 60_000): Promise<PromSample[]> {
    const deadline = Date.now() + timeoutMs;
    let last: PromSample[] = [];
    while (Date.now() < deadline) {
      last = await this.query(expr);
      if (accept(last)) return last;
      await sleep(500);
    }
    throw new Error(`timed out waiting for ${expr}; last result ${JSON.stringify(last)}\n${this.stderr}`);
  }

  /** Values of a label among the series matching `match` (what a Grafana `label_values` variable lists). */
  async labelValues(label: string, match: string): Promise<string[]> {
    const response = await fetch(`${this.url}/api/v1/label/${encodeURIComponent(label)}/values?${new URLSearchParams({ 'match[]': match })}`);
    const json = (await response.json()) as { status: string; data: string[] };
    return json.data;
  }

  /** Every loaded rule with its evaluation health ("ok", "err", "unknown") and last error. */
  async ruleHealth(): Promise<{ readonly name: string; readonly health: string; readonly lastError?: string }[]> {
    const response = await fetch(`${this.url}/api/v1/rules`);
    const json = (await response.json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    return json.data.groups.flatMap((g) => g.rules.map((r) => ({ name: r.name, health: r.health, ...(r.lastError ? { lastError: r.lastError } : {}) })));
  }

  async stop(): Promise<void> {
    if (!this.exited && this.child.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The output and exit status of a promtool command. */
export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

export function promtool(args: readonly string[], stdin?: string): Promise<PromtoolResult> {
  if (PROMTOOL_BIN === undefined) return Promise.reject(new Error('promtool is not installed (apt-get install prometheus, or set PROMTOOL_BIN)'));
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL_BIN, [...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ ok: error === null, output: `${stdout}${stderr}` }),
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** `promtool check rules <file>`. */
export const promtoolCheckRules = (file: string): Promise<PromtoolResult> => promtool(['check', 'rules', file]);

/** `promtool test rules <file>` (alert unit tests). */
export const promtoolTestRules = (file: string): Promise<PromtoolResult> => promtool(['test', 'rules', file]);

/** `promtool check metrics` on an exposition text (lints names, units, help). */
export const promtoolCheckMetrics = (exposition: string): Promise<PromtoolResult> => promtool(['check', 'metrics'], exposition);

// --- Grafana dashboard queries ------------------------------------------------

export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

interface GrafanaPanel {
  title?: string;
  type?: string;
  panels?: GrafanaPanel[];
  targets?: { refId?: string; expr?: string; hide?: boolean }[];
}

/** Every Prometheus target expression of every panel (rows' nested panels included). */
export function dashboardQueries(dashboardFile: string): PanelQuery[] {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels?: GrafanaPanel[] };
  const queries: PanelQuery[] = [];
  const visit = (panels: GrafanaPanel[] | undefined): void => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (target.hide || !target.expr) continue;
        queries.push({ panel: panel.title ?? '(untitled)', refId: target.refId ?? '?', expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  return queries;
}

/** Replaces Grafana variables ($name, ${name}, ${name:format}, [[name]]) and the built-in interval variables. */
export function substituteVariables(expr: string, variables: Readonly<Record<string, string>>): string {
  const all: Record<string, string> = { __rate_interval: '1m', __interval: '15s', __range: '5m', ...variables };
  return expr
    .replace(/\$\{(\w+)(?::[^}]*)?\}/g, (match, name: string) => all[name] ?? match)
    .replace(/\[\[(\w+)\]\]/g, (match, name: string) => all[name] ?? match)
    .replace(/\$(\w+)/g, (match, name: string) => all[name] ?? match);
}

export interface PanelResult extends PanelQuery {
  readonly query: string;
  readonly samples: number;
  /** Samples with a number (not NaN): a panel draws something. */
  readonly numeric: number;
  readonly error?: string;
}

/** Evaluates every query; a query "has data" when it returns at least one non-NaN sample. */
export async function evaluatePanels(prometheus: PrometheusServer, queries: readonly PanelQuery[], variables: Readonly<Record<string, string>>): Promise<PanelResult[]> {
  const results: PanelResult[] = [];
  for (const q of queries) {
    const query = substituteVariables(q.expr, variables);
    try {
      const samples = await prometheus.query(query);
      results.push({ ...q, query, samples: samples.length, numeric: samples.filter((s) => !Number.isNaN(Number(s.value[1]))).length });
    } catch (error) {
      results.push({ ...q, query, samples: 0, numeric: 0, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

/** The panels of `results` that would draw nothing, one line each (empty = all good). */
export const emptyPanels = (results: readonly PanelResult[]): string[] =>
  results.filter((r) => r.numeric === 0).map((r) => `${r.panel} [${r.refId}]: ${r.error ?? (r.samples === 0 ? 'no data' : 'only NaN')} — ${r.query}`);

export const isGpuQuery = (q: PanelQuery): boolean => /\bgpu_/.test(q.expr);

/** The rules' health once Prometheus has evaluated them: polls `ruleHealth()` every 500 ms (20 times at most) while a rule is still 'unknown'. */
export async function settledRuleHealth(prometheus: PrometheusServer): Promise<Awaited<ReturnType<PrometheusServer['ruleHealth']>>> {
  let rules = await prometheus.ruleHealth();
  for (let i = 0; i < 20 && rules.some((r) => r.health === 'unknown'); i++) {
    await sleep(500);
    rules = await prometheus.ruleHealth();
  }
  return rules;
}
