import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { cliError, ensureCliBuilt, runCli, type CliResult } from '../../support/cli';
import { PORTRAIT_IDS, readOtherPhoto, readPortrait } from '../../support/portraits';

/**
 * `facerec eval identify` on a tiny folder laid out like LFW, built from the
 * test portraits (20 people, two photos each), so it runs on a fresh clone:
 * 10 known people (identities-20plus.txt) enrolled from their first photo and
 * searched with the second; the other 10 are unknown; pairs.txt has one fold
 * of 5 + 5 pairs. One known person has a third photo, blurred (Gaussian
 * σ = 5: sharpness about 6 against the default MIN_SHARPNESS 16), which the service's
 * quality gate rejects and the opened gate keeps.
 */
const KNOWN = PORTRAIT_IDS.slice(10);
const UNKNOWN = PORTRAIT_IDS.slice(0, 10);
const BLURRED_PERSON = KNOWN[1] as string;
const photoName = (person: string, index: number): string => `${person}_${String(index).padStart(4, '0')}.jpg`;
const BLURRED_IMAGE = join('images', BLURRED_PERSON, photoName(BLURRED_PERSON, 3));

interface ProportionJson {
  count: number;
  total: number;
  rate: number | null;
  lower: number;
  upper: number;
}
interface GateJson {
  failuresToEnrol: number;
  peopleWithoutTemplate: string[];
  failuresToAcquire: { mated: number; nonMated: number; pairImages: number };
  failedImages: Array<{ image: string; reason: string }>;
  identification: {
    rank1: ProportionJson;
    rank5: ProportionJson;
    fnirAtFpir: Array<{ fpirTarget: number; allowed: number; threshold: number | null; fpir: ProportionJson; fnir: ProportionJson }>;
    atMatchThreshold: { threshold: number; fpir: ProportionJson; fnir: ProportionJson };
    atIdentifyThreshold: { threshold: number; fpir: ProportionJson; fnir: ProportionJson };
  };
  verification: {
    pairs: number;
    tarAtFar: { farTarget: number; threshold: number | null; far: ProportionJson; frr: ProportionJson; tar: ProportionJson };
    atMatchThreshold: { threshold: number; far: ProportionJson; frr: ProportionJson };
  };
  closestReferenceIdentification: { rank1: ProportionJson };
}

async function writeTinyLfw(root: string): Promise<void> {
  for (const person of PORTRAIT_IDS) {
    await mkdir(join(root, 'images', person), { recursive: true });
    await writeFile(join(root, 'images', person, photoName(person, 1)), readPortrait(person));
    await writeFile(join(root, 'images', person, photoName(person, 2)), readOtherPhoto(person));
  }
  await writeFile(join(root, BLURRED_IMAGE), await sharp(readOtherPhoto(BLURRED_PERSON)).blur(5).jpeg({ quality: 90 }).toBuffer());
  await writeFile(join(root, 'identities-20plus.txt'), `${KNOWN.join('\n')}\n`);
  const matched = [KNOWN[1], KNOWN[3], UNKNOWN[0], UNKNOWN[4], UNKNOWN[7]].map((p) => `${p}\t1\t2`);
  const mismatched = [0, 2, 4, 6, 8].map((i) => `${KNOWN[i]}\t1\t${UNKNOWN[9 - i]}\t2`);
  await writeFile(join(root, 'pairs.txt'), ['1\t5', ...matched, ...mismatched, ''].join('\n'));
}

/** The lines between a section header and the next header (or the DET line). */
function section(lines: string[], header: RegExp): string[] {
  const start = lines.findIndex((l) => header.test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && (l.startsWith('-- ') || l.startsWith('DET curves:')));
  return lines.slice(start + 1, end);
}

describe('facerec eval identify on a tiny LFW-layout folder', () => {
  let scratch: string;
  let data: string;
  let svgPath: string;
  let result: CliResult;
  let lines: string[];
  let json: { images: number; matedSearches: number; nonMatedSearches: number; pairImages: number; svg: string; serviceGate: GateJson; openGate: GateJson };

  beforeAll(async () => {
    await ensureCliBuilt();
    scratch = await mkdtemp(join(tmpdir(), 'facerec-identify-'));
    data = join(scratch, 'lfw');
    svgPath = join(scratch, 'out', 'det.svg');
    await writeTinyLfw(data);
    result = await runCli(['eval', 'identify', '--data', data, '--enrol', '1', '--svg', svgPath, '--batch', '8']);
    lines = result.stdout.trimEnd().split('\n');
    json = JSON.parse(lines.at(-1) as string);
  }, 300_000);

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('exits 0 and describes the run: people, probes, pairs, images analysed once', () => {
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(lines[0]).toBe(
      `LFW identification on ${data}: 10 known people (first 1 photo enrolled, 11 mated probes), 10 unknown people (20 non-mated probes), ` +
        `10 pairs (19 images); 41 images analysed once`,
    );
    expect(lines[1]).toMatch(/^model set \S+@\S+, flip TTA: off, MATCH_THRESHOLD [0-9.]+, IDENTIFY_THRESHOLD [0-9.]+, person score: similarity to the mean of their enrolled photos' embeddings \(the service's matchIdentity\), time: [0-9.]+ s$/);
    expect(lines[2]).toMatch(/^resolution: 1 mated probe = 9\.091%, 1 non-mated probe = 5\.000%, 1 pair = 20\.000%; /);
  });

  it('reports every figure for the service gate and for the opened gate, in that order', () => {
    const percent = '[0-9.]+%';
    const counted = `${percent} \\(\\d+/\\d+; 95% CI ${percent}–${percent}\\)`;
    for (const header of [/^-- quality gate as the service runs it \(MIN_FACE_SIZE \d+, MIN_SHARPNESS \d+(\.\d+)?, MAX_YAW_DEGREES \d+\)/, /^-- quality gate opened/]) {
      const figures = section(lines, header);
      expect(figures.map((l) => l.split(/[:(]/)[0])).toEqual([
        'failures to enrol',
        'failures to acquire',
        'closed set',
        'open set',
        'open set',
        'open set at MATCH_THRESHOLD 0.276',
        'open set at IDENTIFY_THRESHOLD 0.42',
        'misidentified mated probes',
        'highest non-mated scores',
        'verification ',
        'verification at MATCH_THRESHOLD 0.276',
        'closest enrolled photo instead of the template ',
      ]);
      expect(figures[2]).toMatch(new RegExp(`^closed set: rank-1 ${counted}, rank-5 ${counted}$`));
      expect(figures[3]).toMatch(new RegExp(`^open set: FNIR ${counted} at FPIR 1% \\(threshold -?[0-9.]+: FPIR reached ${percent} = 0/20, the target allows 0 non-mated searches\\)$`));
      expect(figures[4]).toMatch(new RegExp(`^open set: FNIR ${counted} at FPIR 0.1% \\(threshold `));
      expect(figures[5]).toMatch(new RegExp(`^open set at MATCH_THRESHOLD 0.276: FPIR ${counted}, FNIR ${counted}$`));
      expect(figures[6]).toMatch(new RegExp(`^open set at IDENTIFY_THRESHOLD 0.42: FPIR ${counted}, FNIR ${counted}$`));
      expect(figures[8]).toMatch(/^highest non-mated scores: images\/\S+ → \S+ -?[0-9.]+(, images\/\S+ → \S+ -?[0-9.]+){9}$/);
      expect(figures[9]).toMatch(new RegExp(`^verification \\(10 pairs\\): TAR ${counted} at FAR 0.1% \\(threshold .*/5, the target allows 0 impostor pairs\\)$`));
      expect(figures[10]).toMatch(new RegExp(`^verification at MATCH_THRESHOLD 0.276: FAR ${counted}, FRR ${counted}$`));
    }
  });

  it("counts the photo the service's gate rejects as a failure to acquire, and only with that gate", () => {
    expect(section(lines, /^-- quality gate as the service/)[1]).toBe(
      `failures to acquire: 1 of 11 mated probes, 0 of 20 non-mated probes, 0 of 19 pair images (${BLURRED_IMAGE}: quality_gate)`,
    );
    expect(section(lines, /^-- quality gate opened/)[1]).toBe('failures to acquire: 0 of 11 mated probes, 0 of 20 non-mated probes, 0 of 19 pair images');
    expect(json.serviceGate.failuresToAcquire).toEqual({ mated: 1, nonMated: 0, pairImages: 0 });
    expect(json.openGate.failuresToAcquire).toEqual({ mated: 0, nonMated: 0, pairImages: 0 });
    expect(json.serviceGate.failedImages).toEqual([{ image: BLURRED_IMAGE, reason: 'quality_gate' }]);
    expect(json.openGate.failedImages).toEqual([]);
    // A failure to acquire is a miss: it is never found at rank 1 nor at rank 5.
    expect(json.serviceGate.identification.rank5.count).toBeLessThanOrEqual(10);
  });

  it('ends with the summary line, then every figure as one JSON line that agrees with the text', () => {
    expect(lines.at(-3)).toBe(`DET curves: ${svgPath}`);
    expect(lines.at(-2)).toMatch(
      /^identification summary \(service gate\): rank-1 [0-9.]+% \(gate opened [0-9.]+%\), FNIR [0-9.]+% at FPIR 1%, [0-9.]+% at FPIR 0.1%, TAR [0-9.]+% at FAR 0.1%; at MATCH_THRESHOLD 0.276: pairs FAR [0-9.]+% FRR [0-9.]+%, open set FPIR [0-9.]+% FNIR [0-9.]+%; at IDENTIFY_THRESHOLD 0.42: open set FPIR [0-9.]+% FNIR [0-9.]+%$/,
    );
    expect(json).toMatchObject({ images: 41, matedSearches: 11, nonMatedSearches: 20, pairImages: 19, svg: svgPath });
    for (const gate of [json.serviceGate, json.openGate]) {
      const { rank1, rank5, fnirAtFpir, atMatchThreshold, atIdentifyThreshold } = gate.identification;
      expect(rank1.total).toBe(11);
      expect(rank1.count).toBeLessThanOrEqual(rank5.count);
      expect(rank1.lower).toBeLessThanOrEqual(rank1.upper);
      expect(fnirAtFpir.map((p) => [p.fpirTarget, p.allowed, p.fpir.total, p.fnir.total])).toEqual([
        [0.01, 0, 20, 11],
        [0.001, 0, 20, 11],
      ]);
      expect(atMatchThreshold.threshold).toBe(0.276);
      expect(atIdentifyThreshold.threshold).toBe(0.42);
      // A stricter threshold accepts no more non-mated searches and rejects no fewer mated ones.
      expect(atIdentifyThreshold.fpir.count).toBeLessThanOrEqual(atMatchThreshold.fpir.count);
      expect(atIdentifyThreshold.fnir.count).toBeGreaterThanOrEqual(atMatchThreshold.fnir.count);
      const { tarAtFar, atMatchThreshold: pairs } = gate.verification;
      expect(gate.verification.pairs).toBe(10);
      expect(tarAtFar.tar.count + tarAtFar.frr.count).toBe(5);
      expect(tarAtFar.far.count).toBe(0);
      expect(pairs.far.total + pairs.frr.total).toBe(10);
      expect(gate.closestReferenceIdentification.rank1.total).toBe(11);
    }
    const serviceRank1 = json.serviceGate.identification.rank1;
    expect(section(lines, /^-- quality gate as the service/)[2]).toContain(`rank-1 ${((serviceRank1.count / 11) * 100).toFixed(2)}% (${serviceRank1.count}/11;`);
  });

  it('writes the DET chart as well-formed SVG with both trade-offs, gridded log axes, labels and a legend', async () => {
    const svg = await readFile(svgPath, 'utf8');
    // librsvg parses it (XML errors are fatal there) and draws it at the declared size.
    const png = await sharp(Buffer.from(svg)).png().toBuffer({ resolveWithObject: true });
    expect(png.info).toMatchObject({ width: 760, height: 660 });
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" /);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('<title>Detection error trade-off: LFW identification and verification</title>');
    expect(svg).toContain('false positives: FPIR (identification), FAR (verification)');
    expect(svg).toContain('false negatives: FNIR (identification), FRR (verification)');
    for (const label of ['identification, service quality gate', 'identification, gate opened', 'verification (pairs), service quality gate', 'verification (pairs), gate opened']) {
      expect(svg).toContain(`>${label}</text>`);
    }
    // The service-gate identification curve always has points to draw: the rejected probe keeps FNIR above 0.
    expect(svg).toMatch(/<polyline class="curve" fill="none" stroke="#1f5fa8" stroke-width="2" points="[0-9.]+,[0-9.]+( [0-9.]+,[0-9.]+)+"\/>/);
    expect(svg).toContain('>100 %</text>');
    expect(svg.match(/class="grid-major"/g)?.length ?? 0).toBeGreaterThanOrEqual(4);
    expect(svg.match(/class="grid-minor"/g)?.length ?? 0).toBeGreaterThanOrEqual(16);
  });

  it('exits 2 with a usage error without --data, for a folder that is not LFW, and for --enrol 0', async () => {
    const noData = await runCli(['eval', 'identify']);
    expect(noData.code).toBe(2);
    expect(cliError(noData.stderr)).toEqual({ code: 'usage', message: 'eval identify needs --data <LFW directory>' });
    const notLfw = await runCli(['eval', 'identify', '--data', join(data, 'images')]);
    expect(notLfw.code).toBe(2);
    expect(cliError(notLfw.stderr).message).toBe(`${join(data, 'images')} has no pairs.txt: not an LFW directory`);
    const noneEnrolled = await runCli(['eval', 'identify', '--data', data, '--enrol', '0']);
    expect(noneEnrolled.code).toBe(2);
    expect(cliError(noneEnrolled.stderr).message).toBe("--enrol must be a whole number ≥ 1, got '0'");
  });

  it('names the benchmarks it knows for an unknown one', async () => {
    const unknown = await runCli(['eval', 'megaface']);
    expect(unknown.code).toBe(2);
    expect(cliError(unknown.stderr).message).toBe("unknown benchmark 'megaface': 'lfw', 'scenes', 'identify' or 'gate'");
  });
});
