import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { findOnPath } from '../../../src/infrastructure/telemetry/nvidia-smi';
import { OtlpReceiver } from '../../support/otlp-receiver';
import { DISSIMILAR_PEOPLE, otherPhotoPath, portraitPaths } from '../../support/portraits';
import { describeUnlessMissing } from '../../support/skip';
import {
  PROMETHEUS_BIN,
  PROMTOOL_BIN,
  PrometheusServer,
  dashboardQueries,
  emptyPanels,
  evaluatePanels,
  freePort,
  isGpuQuery,
  promtoolCheckRules,
  settledRuleHealth,
  sleep,
} from '../../support/prometheus';
import { newestMtime } from '../../support/service-process';

/**
 * The real service, scraped by a real Prometheus: every panel query of
 * dashboards/face-recognition.json must return data once frames flow.
 *
 * Contract of the service (embedded mode): `node dist/main.js` with
 * HTTP_PORT, REDIS_URL unset, INPUT_DIR (images), INPUT_REPEAT (passes) and
 * OUTPUT_FILE processes the images as frames through the whole pipeline and
 * serves /health, /ready and /metrics until SIGTERM.
 *
 * Needs: prometheus + promtool (Debian package `prometheus`, or
 * PROMETHEUS_BIN / PROMTOOL_BIN); the frames are the test portraits cut from
 * samples/. dist/ is rebuilt first when missing or older
 * than src/. Run alone with:
 *   npx jest tests/integration/observability/prometheus.test.ts
 */

const ROOT = resolve(__dirname, '../../..');
const DASHBOARD = join(ROOT, 'dashboards', 'face-recognition.json');
const ALERTS = join(ROOT, 'dashboards', 'alerts.yml');
const MAIN = join(ROOT, 'dist', 'main.js');
const IMAGE_COUNT = 40;
const API_KEY = { id: 'dashboard', secret: 'dashboard-secret-0123456789' };

const missing = [
  ...(PROMETHEUS_BIN ? [] : ['prometheus (apt-get install prometheus, or PROMETHEUS_BIN)']),
  ...(PROMTOOL_BIN ? [] : ['promtool']),
];
const describeIfReady = describeUnlessMissing(missing.length === 0 ? null : `missing ${missing.join(', ')}`);

/** Builds dist/ with tsconfig.build.json when dist/main.js is missing or older than a file of src/. */
async function ensureBuilt(): Promise<void> {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  await new Promise<void>((done, fail) => {
    execFile(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, timeout: 300_000 }, (error, stdout, stderr) =>
      error ? fail(new Error(`tsc -p tsconfig.build.json failed:\n${stdout}${stderr}`)) : done(),
    );
  });
}

/** Copies IMAGE_COUNT face photos (the same every run) into `dir`. */
function copyImages(dir: string): number {
  mkdirSync(dir, { recursive: true });
  const paths = portraitPaths(IMAGE_COUNT);
  paths.forEach((path, i) => copyFileSync(path, join(dir, `${String(i).padStart(2, '0')}-${basename(path)}`)));
  return paths.length;
}

/** A GALLERY_DIR of three people (their "other" photos), so that the stream's matches fill the gallery panels. */
function writeGallery(dir: string): void {
  for (const person of DISSIMILAR_PEOPLE.slice(0, 3)) {
    mkdirSync(join(dir, person), { recursive: true });
    copyFileSync(otherPhotoPath(person), join(dir, person, 'other.jpg'));
  }
}

class ServiceProcess {
  private output = '';
  exitCode: number | null | undefined = undefined;

  constructor(readonly child: ChildProcess) {
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-30_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code) => {
      this.exitCode = code;
    });
  }

  get logs(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

describeIfReady('the real service scraped by Prometheus', () => {
  let work: string;
  let service: ServiceProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let receiver: OtlpReceiver | undefined;
  let port: number;
  let callingApi = true;
  let apiCaller: Promise<void> = Promise.resolve();

  /** Calls the API while Prometheus scrapes, so that the API row has data: detections, and a refusal now and then. */
  async function callApi(): Promise<void> {
    const photos = portraitPaths(4).map((path) => readFileSync(path));
    for (let i = 0; callingApi; i++) {
      const form = new FormData();
      form.append('image', new Blob([photos[i % photos.length] as Buffer], { type: 'image/jpeg' }), 'photo.jpg');
      const headers: Record<string, string> = i % 5 === 4 ? {} : { 'x-api-key': API_KEY.secret };
      try {
        await (await fetch(`http://127.0.0.1:${port}/v1/faces/detect`, { method: 'POST', headers, body: form })).arrayBuffer();
      } catch {
        // the service is stopping
      }
      await sleep(200);
    }
  }

  async function waitForService(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (service?.exitCode !== undefined) throw new Error(`the service exited (code ${service?.exitCode}) before serving /ready:\n${service?.logs}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`the service did not answer /ready with 200 within ${timeoutMs} ms:\n${service?.logs}`);
  }

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(join(tmpdir(), 'facerec-service-'));
    expect(copyImages(join(work, 'input'))).toBe(IMAGE_COUNT);
    writeGallery(join(work, 'gallery'));
    port = await freePort();
    receiver = await OtlpReceiver.start();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['REDIS_URL', 'ORCHESTRATOR_URL', 'GALLERY_DIR', 'OTEL_SDK_DISABLED']) delete env[name];
    Object.assign(env, {
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      INPUT_DIR: join(work, 'input'),
      GALLERY_DIR: join(work, 'gallery'),
      DATA_DIR: join(work, 'data'),
      // Enough passes to keep frames flowing for the whole test; the service is stopped with SIGTERM.
      INPUT_REPEAT: '100000',
      OUTPUT_FILE: join(work, 'results.jsonl'),
      EXIT_WHEN_DONE: 'false',
      LOG_LEVEL: 'warn',
      PROCESSOR_ID: 'face-recognition-dashboard-it',
      API_KEYS: `${API_KEY.id}:${API_KEY.secret}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    service = new ServiceProcess(spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    await waitForService(240_000);
    apiCaller = callApi();
    prometheus = await PrometheusServer.start({ targets: [`127.0.0.1:${port}`], scrapeIntervalSeconds: 1, ruleFiles: [ALERTS] });
    // Frames must have flowed across several scrapes so that every [1m] rate has increases.
    await prometheus.waitFor(
      'min(count_over_time(face_recognition_requests_total[1m])) >= 5 and on() sum(increase(face_recognition_requests_total{status="published"}[1m])) > 0' +
        ' and on() min(count_over_time(http_requests_total{route="/v1/faces/detect"}[1m])) >= 5 and on() sum(increase(http_requests_total{route="/v1/faces/detect",status="200"}[1m])) > 0',
      (samples) => samples.length > 0,
      120_000,
    );
  }, 600_000);

  afterAll(async () => {
    callingApi = false;
    await apiCaller;
    await service?.stop();
    await prometheus?.stop();
    await receiver?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('serves /health with the documented fields', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/health`);
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(200);
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['status', 'processor_id', 'registered', 'redis', 'orchestrator', 'models', 'capacity', 'inflight', 'frames_processed', 'errors_total', 'uptime_seconds', 'version']),
    );
    expect(body).toMatchObject({ status: 'healthy', processor_id: 'face-recognition-dashboard-it', orchestrator: 'not_configured' });
    expect(body.frames_processed).toEqual(expect.any(Number));
  });

  it('returns data for every panel query of the dashboard', async () => {
    const instance = `127.0.0.1:${port}`;
    const withGpu = findOnPath('nvidia-smi') !== undefined;
    // Without nvidia-smi the GPU gauges are not registered at all, so their panels are empty by design.
    const queries = dashboardQueries(DASHBOARD).filter((q) => withGpu || !isGpuQuery(q));
    const results = await evaluatePanels(prometheus!, queries, { instance });
    expect(emptyPanels(results)).toEqual([]);
    if (!withGpu) expect(await prometheus!.query('count({__name__=~"gpu_.*"})')).toEqual([]);
  });

  it('evaluates every alert rule without error, and the rules pass promtool', async () => {
    const check = await promtoolCheckRules(ALERTS);
    expect({ ok: check.ok, output: check.output }).toMatchObject({ ok: true });
    const rules = await settledRuleHealth(prometheus!);
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
  });

  it('exports frame traces over OTLP/HTTP from the real process', async () => {
    const expected = ['frame.process', 'frame.fetch_image', 'frame.decode', 'faces.detect', 'faces.landmarks', 'faces.align', 'faces.embed', 'faces.match', 'result.publish'];
    const seen = (): string[] => expected.filter((name) => receiver!.spans.some((s) => s.name === name));
    await receiver!.waitFor(() => seen().length === expected.length, 30_000).catch(() => undefined);
    expect(seen()).toEqual(expected);
    const frame = receiver!.named('frame.process')[0];
    expect(frame?.resource['service.name']).toBeDefined();
    expect(frame?.attributes['frame.id']).toEqual(expect.any(String));
    // A batched stage span is parented to a frame of its own trace and links to every frame of the batch.
    const detect = receiver!.named('faces.detect')[0];
    expect(detect?.links.length).toBeGreaterThan(0);
    expect(receiver!.spans.some((s) => s.name === 'frame.process' && s.spanId === detect?.parentSpanId)).toBe(true);
  });
});
