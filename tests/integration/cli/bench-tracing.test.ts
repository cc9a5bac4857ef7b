import { cliError, ensureCliBuilt, runCli } from '../../support/cli';
import { PORTRAIT_DIR } from '../../support/portraits';

/**
 * `facerec bench-tracing` with tiny numbers: the output format, and that the
 * configurations trace as they should (C exports spans, A creates none). No
 * timing assertions: throughput on a shared machine is not a test result.
 */

const FRAMES = 8;
const ROUNDS = 3;
const NUMBER = String.raw`\d+(?:\.\d+)?`;
const PERCENT = String.raw`[+-]\d+(?:\.\d+)?%`;

describe('facerec bench-tracing', () => {
  beforeAll(async () => {
    await ensureCliBuilt();
  }, 300_000);

  it('exits 2 without --images', async () => {
    const result = await runCli(['bench-tracing']);
    expect(result.code).toBe(2);
    expect(cliError(result.stderr)).toEqual({ code: 'usage', message: 'bench-tracing needs --images <dir>' });
  });

  it('compares A, B and C in rotated, paired rounds and reports spans, CPU and the overhead line', async () => {
    const images = PORTRAIT_DIR;
    // --export-interval 0: every round exports what its configuration buffered since its previous round.
    const result = await runCli(['bench-tracing', '--images', images, '--count', String(FRAMES), '--rounds', String(ROUNDS), '--batch', '4', '--export-interval', '0']);
    expect(result.stderr).not.toMatch(/"error"/);
    expect(result.stdout).not.toMatch(/^error:/m);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');

    const roundLines = (name: string): RegExpMatchArray[] =>
      Array.from({ length: ROUNDS }, (_, i) => {
        const line = lines.find((l) => l.startsWith(`round ${i + 1} ${name}: `));
        expect(line).toBeDefined();
        const match = new RegExp(
          `^round ${i + 1} ${name}: (${NUMBER}) frames/s \\(${FRAMES} frames in ${NUMBER} s, export wait ${NUMBER} s\\), ` +
            `cpu (${NUMBER}) ms/frame \\(sink ${NUMBER}, main thread (?:${NUMBER}|n/a)\\), published (\\d+), other (\\d+), faces \\d+, ` +
            `spans exported (\\d+), sampled parents (\\d+), results: producer span passed through (\\d+), new span (\\d+), sampled (\\d+)$`,
        ).exec(line as string);
        expect(match).not.toBeNull();
        return match as RegExpMatchArray;
      });
    const [a, b, c] = [roundLines('A'), roundLines('B'), roundLines('C')];
    for (const r of [...a, ...b, ...c]) {
      expect(Number(r[1])).toBeGreaterThan(0); // frames/s
      expect(Number(r[2])).toBeGreaterThan(0); // cpu per frame
      expect(Number(r[3])).toBe(FRAMES); // published
      expect(Number(r[4])).toBe(0); // other outcomes
    }
    for (let i = 0; i < ROUNDS; i += 1) {
      const [ra, rb, rc] = [a[i], b[i], c[i]] as [RegExpMatchArray, RegExpMatchArray, RegExpMatchArray];
      // The same producer contexts for A, B and C within a round.
      expect([rb[6], rc[6]]).toEqual([ra[6], ra[6]]);
      // A: no provider, no span: every result carries the producer's own span id.
      expect(Number(ra[5])).toBe(0);
      expect(Number(ra[7])).toBe(FRAMES);
      // B: every frame has a frame.process span (recording or not), so results carry a new span id;
      // sampled exactly where the producer sampled (parent-based default).
      expect(Number(rb[7])).toBe(0);
      expect(Number(rb[8])).toBe(FRAMES);
      expect(rb[9]).toBe(rb[6]);
      // A round exports the spans of its configuration's previous round (round 1: none, the warm-up's were flushed).
      // C: everything sampled and exported: at least frame.process, frame.fetch_image and result.publish per frame.
      expect(Number(rc[5])).toBeGreaterThanOrEqual(i === 0 ? 0 : 3 * FRAMES);
      if (i === 0) expect([Number(rb[5]), Number(rc[5])]).toEqual([0, 0]);
      expect(Number(rc[7])).toBe(0);
      expect(Number(rc[9])).toBe(FRAMES);
    }
    // The order rotates: ABC, BCA, CAB.
    const orders = lines.flatMap((l) => /^round \d+ paired \(order ([ABC]{3})\): B\/A frames\/s \S+, cpu\/frame \S+; C\/A frames\/s \S+, cpu\/frame \S+$/.exec(l)?.[1] ?? []);
    expect(orders).toEqual(['ABC', 'BCA', 'CAB']);
    const started = (name: string, round: number): number => lines.findIndex((l) => l.startsWith(`round ${round} ${name}: `));
    expect(started('B', 2)).toBeLessThan(started('C', 2));
    expect(started('C', 2)).toBeLessThan(started('A', 2));

    const frameTotal = FRAMES * ROUNDS;
    expect(lines.find((l) => l.startsWith('A median '))).toMatch(new RegExp(`spans exported 0 .*producer span passed through ${frameTotal}/${frameTotal}`));
    // The totals count every round's spans, the last round's included (flushed after the rounds).
    const totalSpans = Number(/spans exported (\d+) /.exec(lines.find((l) => l.startsWith('C median ')) ?? '')?.[1]);
    expect(totalSpans).toBeGreaterThanOrEqual(3 * frameTotal);
    expect(totalSpans).toBeGreaterThan(c.reduce((sum, r) => sum + Number(r[5]), 0));
    for (const name of ['B', 'C']) {
      expect(lines.find((l) => l.startsWith(`${name} vs A over ${ROUNDS} paired round(s): `))).toMatch(
        new RegExp(
          `whole-run frames/s ${PERCENT} \\(too few rounds for a 95% CI\\); ` +
            `per-round frames/s median ${PERCENT} \\(IQR ${PERCENT}\\.\\.${PERCENT}, too few rounds for a 95% CI\\); cpu per frame median ${PERCENT} `,
        ),
      );
    }
    expect(result.stdout).toMatch(/^sink: loopback OTLP\/HTTP .* child process/m);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^tracing overhead: default sampler ${PERCENT} \\(too few rounds for a 95% CI\\), 100% sampling ${PERCENT} \\(too few rounds for a 95% CI\\) ` +
          `\\(whole-run frames/s over ${ROUNDS} paired round\\(s\\); per-round medians B ${PERCENT}, C ${PERCENT}, ` +
          `frames/s A ${NUMBER}, B ${NUMBER}, C ${NUMBER}; cpu per frame B ${PERCENT}, C ${PERCENT}\\)$`,
      ),
    );
  });

  it("exports on the service's 5 s schedule by default, so a short run exports only after its rounds", async () => {
    const images = PORTRAIT_DIR;
    const result = await runCli(['bench-tracing', '--images', images, '--count', '4', '--rounds', '2', '--batch', '4']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const perRound = lines.flatMap((l) => /^round \d+ [BC]: .* spans exported (\d+),/.exec(l)?.[1] ?? []).map(Number);
    expect(perRound).toEqual([0, 0, 0, 0]);
    expect(Number(/spans exported (\d+) /.exec(lines.find((l) => l.startsWith('C median ')) ?? '')?.[1])).toBeGreaterThanOrEqual(3 * 4 * 2);
    expect(result.stdout).toMatch(/each exports its buffered spans every 5 s as the service's batch span processor does/);
  });

  it('refuses a negative export interval, and an option without its value, as usage errors', async () => {
    const negative = await runCli(['bench-tracing', '--images', PORTRAIT_DIR, '--export-interval=-1']);
    expect(negative.code).toBe(2);
    expect(cliError(negative.stderr)).toEqual({ code: 'usage', message: "--export-interval must be a whole number ≥ 0, got '-1'" });
    const missing = await runCli(['bench-tracing', '--images']);
    expect(missing.code).toBe(2);
    expect(cliError(missing.stderr)).toMatchObject({ code: 'usage', message: expect.stringContaining("Option '--images <value>' argument missing") });
  });
});
