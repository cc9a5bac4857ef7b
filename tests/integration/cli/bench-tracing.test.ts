import { join } from 'node:path';
import { cliError, ensureCliBuilt, runCli } from '../../support/cli';
import { describeLfw, LFW_DIR } from '../../support/lfw';

/**
 * `facerec bench-tracing` with tiny numbers: the output format, and that the
 * configurations trace as they should (C exports spans, A creates none). No
 * timing assertions: throughput on a shared machine is not a test result.
 */

const FRAMES = 16;
const NUMBER = String.raw`\d+(?:\.\d+)?`;

describeLfw('facerec bench-tracing', () => {
  beforeAll(async () => {
    await ensureCliBuilt();
  }, 300_000);

  it('exits 2 without --images', async () => {
    const result = await runCli(['bench-tracing']);
    expect(result.code).toBe(2);
    expect(cliError(result.stderr)).toEqual({ code: 'usage', message: 'bench-tracing needs --images <dir>' });
  });

  it('compares A, B and C in one run and reports spans and the overhead line', async () => {
    const images = join(LFW_DIR, 'images', 'George_W_Bush');
    const result = await runCli(['bench-tracing', '--images', images, '--count', String(FRAMES), '--rounds', '1', '--batch', '8']);
    expect(result.stderr).not.toMatch(/"error"/);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');

    const round = (name: string): RegExpMatchArray => {
      const line = lines.find((l) => l.startsWith(`round 1 ${name}: `));
      expect(line).toBeDefined();
      const match = new RegExp(
        `^round 1 ${name}: (${NUMBER}) frames/s \\(${FRAMES} frames in ${NUMBER} s, flush ${NUMBER} s\\), published (\\d+), other (\\d+), faces \\d+, ` +
          `spans exported (\\d+), sampled parents \\d+, results: producer span passed through (\\d+), new span (\\d+), sampled (\\d+)$`,
      ).exec(line as string);
      expect(match).not.toBeNull();
      return match as RegExpMatchArray;
    };
    const [a, b, c] = [round('A'), round('B'), round('C')];
    for (const r of [a, b, c]) {
      expect(Number(r[1])).toBeGreaterThan(0);
      expect(Number(r[2])).toBe(FRAMES); // published
      expect(Number(r[3])).toBe(0); // other outcomes
    }
    // A: no provider, no span: every result carries the producer's own span id.
    expect(Number(a[4])).toBe(0);
    expect(Number(a[5])).toBe(FRAMES);
    // B and C: every frame has a frame.process span (recording or not), so results carry a new span id.
    expect(Number(b[5])).toBe(0);
    expect(Number(b[6])).toBe(FRAMES);
    // C: everything sampled and exported: at least frame.process, frame.fetch_image and result.publish per frame.
    expect(Number(c[4])).toBeGreaterThanOrEqual(3 * FRAMES);
    expect(Number(c[5])).toBe(0);
    expect(Number(c[7])).toBe(FRAMES);

    expect(lines.find((l) => l.startsWith('A median '))).toMatch(new RegExp(`spans exported 0 .*producer span passed through ${FRAMES}/${FRAMES}`));
    expect(lines.find((l) => l.startsWith('C median '))).toMatch(/spans exported [1-9]\d*/);
    expect(result.stdout).toMatch(/^sink: loopback OTLP\/HTTP .* child process/m);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^tracing overhead: default sampler [+-]${NUMBER}%, 100% sampling [+-]${NUMBER}% \\(frames/s A ${NUMBER}, B ${NUMBER}, C ${NUMBER}\\)$`),
    );
  });
});
