import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { useFakeOrchestrator } from '../../support/fake-orchestrator';
import { pushFrame, pushFrames, queueState, runTag } from '../../support/frames';
import { loadPortraits } from '../../support/portraits';
import { useRuntimeRedis, waitForFrameResults } from '../../support/runtime-redis';
import { scratchCheckout, ServiceProcess, sleep, stopAllServices, waitFor, type ExitStatus } from '../../support/service-process';

/**
 * Acceptance: the service started the way the README documents, `npm start`,
 * stops gracefully when the process the user started — npm — gets SIGTERM
 * (systemd, supervisord, `kill $PID`) or when the terminal sends SIGINT to
 * the whole process group (Ctrl-C): it drains, unregisters, exits 0, and no
 * process of the group survives to keep consuming. `npm start` runs in a
 * scratch checkout so that its build never rewrites the dist/ other tests load.
 */

jest.setTimeout(300_000);

const PREFIX = '/api/v1/processors';

/** The processes of a group, for failure messages. */
const groupListing = (pgid: number): string => {
  try {
    return execFileSync('ps', ['-o', 'pid,ppid,pgid,stat,args', '-g', String(pgid)], { encoding: 'utf8' });
  } catch {
    return '(no process left)';
  }
};

/** Signals npm, then waits for npm's exit and for its whole process group to be gone. */
async function stopThroughNpm(npmStart: ServiceProcess, signal: NodeJS.Signals, target: 'npm' | 'group'): Promise<ExitStatus | null> {
  if (target === 'group') process.kill(-npmStart.pid, signal);
  else npmStart.signal(signal);
  const exit = await npmStart.waitForChildExit(120_000);
  await waitFor(() => !npmStart.groupAlive(), { timeoutMs: 10_000, what: () => `npm's process group to be gone:\n${groupListing(npmStart.pid)}` });
  await npmStart.exited(); // output fully read
  return exit;
}

describe('`npm start` under signals', () => {
  const checkouts: string[] = [];
  const npmStartIn = (env: Record<string, string>, label: string): Promise<ServiceProcess> => {
    const checkout = scratchCheckout();
    checkouts.push(checkout);
    return ServiceProcess.start(env, { command: ['npm', 'start'], cwd: checkout, label });
  };

  afterAll(() => {
    for (const dir of checkouts) rmSync(dir, { recursive: true, force: true });
  });

  describe('embedded mode', () => {
    afterEach(async () => {
      // A test that failed may leave its group behind.
      await stopAllServices();
    });

    it('SIGTERM to npm while frames are in flight: drains, exits 0, leaves no process and frees the port', async () => {
      // Enough passes over the samples that frames are in flight when the signal comes.
      const npmStart = await npmStartIn({ INPUT_REPEAT: '1000' }, 'npm start (embedded)');
      await npmStart.waitForHealth((a) => Number(a.body.frames_processed) >= 1, 240_000, 'the first frames processed');

      const exit = await stopThroughNpm(npmStart, 'SIGTERM', 'npm');
      expect({ exit, tail: exit?.code === 0 ? '' : npmStart.tail() }).toEqual({ exit: { code: 0, signal: null }, tail: '' });
      expect(npmStart.logsMatching('shutting down')).toEqual([expect.objectContaining({ reason: 'SIGTERM' })]);
      expect(npmStart.logsMatching('stopped')).toEqual([expect.objectContaining({ drained: true })]);
      await expect(npmStart.health()).rejects.toThrow();
    });

    it('SIGINT to the whole process group (Ctrl-C): one graceful shutdown, exit 0', async () => {
      const npmStart = await npmStartIn({}, 'npm start (embedded, Ctrl-C)');
      await npmStart.waitForLog('embedded input processed', 240_000);

      // npm forwards the SIGINT the node process also gets from the terminal: it arrives twice.
      const exit = await stopThroughNpm(npmStart, 'SIGINT', 'group');
      expect({ exit, tail: exit?.code === 0 ? '' : npmStart.tail() }).toEqual({ exit: { code: 0, signal: null }, tail: '' });
      expect(npmStart.logsMatching('shutting down')).toEqual([expect.objectContaining({ reason: 'SIGINT' })]);
      expect(npmStart.logsMatching('stopped')).toEqual([expect.objectContaining({ drained: true })]);
    });
  });

  describe('with Redis and the orchestrator', () => {
    const rt = useRuntimeRedis({ stopServicesAfterEach: true });
    const orchestrator = useFakeOrchestrator();

    it('SIGTERM to npm: unregisters, exits 0, and nothing keeps reading the queue', async () => {
      const processorId = `npmstart-${runTag()}`;
      const consumer = `npm-start-${runTag()}`;
      const npmStart = await npmStartIn({ REDIS_URL: rt.redis.url, ORCHESTRATOR_URL: orchestrator.fake.url, PROCESSOR_ID: processorId, CONSUMER_NAME: consumer }, 'npm start (redis)');
      await npmStart.waitForLog('registered with the orchestrator', 240_000);
      const frames = await pushFrames(rt.client, processorId, loadPortraits(4), { prefix: `${processorId}-f`, count: 4 });
      expect(await waitForFrameResults(rt.client, frames, npmStart)).toEqual({ missing: [], duplicated: {}, once: frames.length });

      const exit = await stopThroughNpm(npmStart, 'SIGTERM', 'npm');
      expect({ exit, tail: exit?.code === 0 ? '' : npmStart.tail() }).toEqual({ exit: { code: 0, signal: null }, tail: '' });
      expect(npmStart.logsMatching('stopped')).toEqual([expect.objectContaining({ drained: true })]);
      expect(orchestrator.fake.requestsTo('DELETE', `${PREFIX}/${processorId}`)).toHaveLength(1);
      expect(orchestrator.fake.registration(processorId)).toBeUndefined();

      // No connection of the consumer is left, and a frame queued now stays unread.
      const clients = (await rt.client.client('LIST')) as string;
      expect(clients.split('\n').filter((line) => line.includes(`name=face-recognition:${consumer}:`))).toEqual([]);
      await pushFrame(rt.client, processorId, { frameId: `${processorId}-after`, image: loadPortraits(1)[0] as Buffer });
      await sleep(1500);
      expect(await queueState(rt.client, processorId)).toEqual({ length: 1, pending: 0 });
    });
  });
});
