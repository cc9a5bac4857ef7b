import sharp from 'sharp';
import { readStream, runTag } from '../../support/frames';
import { SAMPLES_DIR } from '../../support/portraits';
import { cliError, runCli } from '../../support/cli';
import { useRuntimeRedis } from '../../support/runtime-redis';
import { ServiceProcess } from '../../support/service-process';

/**
 * Acceptance: `facerec loadgen` (the producer of README and of the compose
 * pipeline profile) feeds a processor queue end to end, and writes frame
 * entries that frame-buffer-v2 can route: its FrameReadyEvent needs positive
 * integer width and height, an ISO timestamp and JSON trace_context and
 * metadata (with the detection_type it routes on); it forwards no pixels, so
 * the image travels under metadata.image_key.
 */

jest.setTimeout(300_000);

describe('facerec loadgen', () => {
  const rt = useRuntimeRedis({ stopServicesAfterEach: true });

  it('feeds a processor queue: every frame it sends gets a result, exit 0', async () => {
    const processorId = `loadgen-${runTag()}`;
    const service = await ServiceProcess.start({ REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId });
    await service.waitUntilConsuming();

    const run = await runCli(['loadgen', '--redis', rt.redis.url, '--images', SAMPLES_DIR, '--rate', '10', '--count', '6', '--stream', `frames:ready:${processorId}`, '--timeout', '180']);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`sent 6 frames at 10/s to frames:ready:${processorId}`);
    expect(run.stdout).toContain('results received: 6/6');
    expect(await service.terminate()).toEqual({ code: 0, signal: null });
  });

  it('says which Redis it cannot reach, without its password, in one JSON error and no stack trace', async () => {
    const run = await runCli(['loadgen', '--redis', 'redis://:hunter2-secret@127.0.0.1:1', '--images', SAMPLES_DIR, '--count', '2']);
    expect(run.code).toBe(1);
    expect(cliError(run.stderr)).toEqual({
      code: 'bench_harness_error',
      message: 'cannot connect to Redis at 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1',
      context: { redis: '127.0.0.1:1', attempts: 3 },
    });
    expect(run.stderr).not.toMatch(/Unhandled error event|hunter2|\n\s+at /);
  });

  it('runs API clients beside the stream and reports their answers and latency', async () => {
    const processorId = `loadgen-api-${runTag()}`;
    const secret = 'loadgen-test-secret-0123456789';
    const service = await ServiceProcess.start({ REDIS_URL: rt.redis.url, PROCESSOR_ID: processorId, API_KEYS: `loadgen:${secret}` });
    await service.waitUntilConsuming();
    const api = `http://127.0.0.1:${service.httpPort}`;

    const run = await runCli(['loadgen', '--redis', rt.redis.url, '--images', SAMPLES_DIR, '--rate', '5', '--count', '4', '--stream', `frames:ready:${processorId}`, '--timeout', '180',
      '--api', api, '--api-key', secret, '--api-clients', '2', '--api-route', 'detect']);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain('results received: 4/4');
    const [, requests, answered] = /api detect with 2 clients: (\d+) requests \(200: (\d+)\); latency ms p50 [0-9.]+, p95 [0-9.]+, p99 [0-9.]+/.exec(run.stdout) ?? [];
    expect(Number(requests)).toBeGreaterThan(0);
    expect(answered).toBe(requests);

    const wrongKey = await runCli(['loadgen', '--redis', rt.redis.url, '--images', SAMPLES_DIR, '--rate', '5', '--count', '1', '--stream', `frames:ready:${processorId}`, '--api', api, '--api-key', 'wrong', '--api-clients', '1', '--api-route', 'detect']);
    expect(wrongKey.stdout).toMatch(/api detect with 1 clients: (\d+) requests \(401: \1\)/);
    const badRoute = await runCli(['loadgen', '--redis', rt.redis.url, '--images', SAMPLES_DIR, '--api', api, '--api-key', secret, '--api-route', 'register']);
    expect(badRoute.code).toBe(2);
    expect(badRoute.stderr).toContain("--api-route must be 'verify' or 'detect', got 'register'");
    expect(await service.terminate()).toEqual({ code: 0, signal: null });
  });

  it("writes entries frame-buffer-v2 accepts on its input stream, each with its image's real dimensions", async () => {
    const stream = `frames:metadata:${runTag()}`;
    // Nobody consumes this stream: loadgen gives up waiting for results (exit 1) after --timeout.
    const run = await runCli(['loadgen', '--redis', rt.redis.url, '--images', SAMPLES_DIR, '--rate', '20', '--count', '3', '--stream', stream, '--timeout', '1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('results received: 0/3');

    const entries = await readStream(rt.client, stream);
    expect(entries).toHaveLength(3);
    for (const { fields } of entries) {
      expect(fields).toEqual(
        expect.objectContaining({
          frame_id: expect.stringMatching(/^loadgen-/),
          camera_id: expect.stringMatching(/\S/),
          format: 'jpeg',
          width: expect.stringMatching(/^[1-9][0-9]*$/),
          height: expect.stringMatching(/^[1-9][0-9]*$/),
          size_bytes: expect.stringMatching(/^[1-9][0-9]*$/),
        }),
      );
      expect(new Date(fields.timestamp as string).toISOString()).toBe(fields.timestamp);
      expect(JSON.parse(fields.trace_context as string)).toEqual({ traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) });
      const metadata = JSON.parse(fields.metadata as string) as { detection_type: string; image_key: string };
      expect(metadata.detection_type).toBe('face_detection');

      // The image under metadata.image_key, with the dimensions the entry announces.
      const image = await rt.client.getBuffer(metadata.image_key);
      expect(image?.length).toBe(Number(fields.size_bytes));
      const { width, height } = await sharp(image as Buffer).metadata();
      expect({ width: String(width), height: String(height) }).toEqual({ width: fields.width, height: fields.height });
    }
  });
});
