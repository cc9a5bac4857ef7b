import { performance } from 'node:perf_hooks';
import { pairStatistics, syntheticGallery, type EmbeddingModel } from './bench/synthetic-embeddings';
import type { ExactIdentityIndex } from '../search/exact-identity-index';
import { DEFAULT_HNSW, TieredIdentityIndex } from '../search/tiered-identity-index';
import type { HnswSettings } from '../search/hnsw-graph';
import { percentile } from '../telemetry/stage-timings';
import { positiveInteger, UsageError, type CommandOutput } from './output';

export interface BenchSearchFlags {
  sizes?: string;
  probes?: string;
  shortlists?: string;
  dim?: string;
  seed?: string;
  connectivity?: string;
  'expansion-add'?: string;
  quantization?: string;
  noise?: string;
  latent?: string;
}

/**
 * `facerec bench search`: latency per probe, memory per template and the
 * approximate tier's recall@1 against exact search, at several gallery sizes.
 *
 * The vectors are synthetic face embeddings (bench/synthetic-embeddings.ts):
 * half of the probes are new photos of enrolled people, half strangers.
 * Exact search gives the truth for every probe in one batched scan; the
 * single-probe latencies are timed on as many probes as fit a budget of
 * template comparisons (every probe at 10k, fewer at 1M, where one exact
 * probe takes ~0.5 s), and the graph on every probe.
 */
export async function benchSearchCommand(flags: BenchSearchFlags, output: CommandOutput): Promise<number> {
  const sizes = integerList(flags.sizes ?? '10000,100000,1000000', 'sizes');
  const shortlists = integerList(flags.shortlists ?? '64,128,256,512,1024', 'shortlists');
  const probeCount = positiveInteger(flags.probes, 'probes', 1000);
  const dimensions = positiveInteger(flags.dim, 'dim', 512);
  const seed = positiveInteger(flags.seed, 'seed', 1);
  const latent = flags.latent === undefined ? 0 : positiveInteger(flags.latent, 'latent', 0);
  const noise = flags.noise === undefined ? 1 : Number(flags.noise);
  if (!Number.isFinite(noise) || noise < 0) throw new UsageError(`--noise must be a number ≥ 0, got '${flags.noise}'`);
  const quantization = flags.quantization ?? DEFAULT_HNSW.quantization;
  if (quantization !== 'f32' && quantization !== 'f16' && quantization !== 'i8') throw new UsageError(`--quantization must be f32, f16 or i8, got '${quantization}'`);
  const hnsw: HnswSettings = {
    ...DEFAULT_HNSW,
    connectivity: positiveInteger(flags.connectivity, 'connectivity', DEFAULT_HNSW.connectivity),
    expansionAdd: positiveInteger(flags['expansion-add'], 'expansion-add', DEFAULT_HNSW.expansionAdd),
    quantization,
  };

  output.line(
    `bench search: ${dimensions}-d, ${probeCount} probes per size (half new photos of enrolled people, half strangers), noise ${noise}, centres ${latent === 0 ? 'isotropic' : `in a ${latent}-d subspace`}, seed ${seed}; ` +
      `HNSW (usearch) M ${hnsw.connectivity}, ef_add ${hnsw.expansionAdd}, ${hnsw.quantization} graph, candidates re-scored exactly; single probes, one thread`,
  );
  const model: EmbeddingModel = { dimensions, noise, latent, seed };
  const pairs = pairStatistics(model, 3000);
  output.line(
    `synthetic photo pairs (${pairs.pairs} genuine, ${pairs.pairs} impostor): genuine median ${pairs.genuineMedian.toFixed(3)}, impostor median ${pairs.impostorMedian.toFixed(3)}, ` +
      `impostor 99.9th percentile ${pairs.impostorP999.toFixed(3)} (the threshold for FAR 0.1 %; LFW's pairs with this embedder: 0.331, adr/0005)`,
  );
  for (const size of sizes) {
    const gallery = syntheticGallery(size, probeCount, model, output);
    const truth = gallery.index.searchMany(gallery.probes, 1).map(([best]) => best?.identityId ?? null);
    const timedProbes = gallery.probes.slice(0, boundedProbeCount(size, probeCount, EXACT_COMPARISONS_BUDGET));
    const exactTimes = timedSingleSearches(gallery.index, timedProbes, truth, 'a single exact probe disagrees with the batched scan');
    // The same array scanned by a plain JavaScript loop: what the SIMD kernel saves (few probes, it is slow).
    gallery.index.kernel = 'scalar';
    const scalarProbes = gallery.probes.slice(0, boundedProbeCount(size, Math.min(100, probeCount), SCALAR_COMPARISONS_BUDGET));
    const scalarTimes = timedSingleSearches(gallery.index, scalarProbes, truth, 'the scalar scan disagrees with the SIMD kernel');
    gallery.index.kernel = 'simd';
    const enrolledRight = gallery.subjects.filter((subject, p) => subject !== null && truth[p] === `p${subject}`).length;
    const enrolledCount = gallery.subjects.filter((s) => s !== null).length;
    const templateBytes = gallery.index.templateBytes;
    output.line(
      `${size} templates: filled in ${gallery.fillSeconds.toFixed(1)} s; memory per template: ${(templateBytes / size).toFixed(0)} B template array (${dimensions * 4} B live, the rest doubling headroom) + ${(gallery.heapBytes / size).toFixed(0)} B ids and maps on the heap`,
    );
    output.line(
      `  exact (${exactTimes.length} probes timed): p50 ${ms(percentile(exactTimes, 50))} ms, p95 ${ms(percentile(exactTimes, 95))} ms per probe; ` +
        `new photos ranked their own person first: ${percent(enrolledRight / Math.max(1, enrolledCount))}`,
    );
    output.line(
      `  exact, scalar JavaScript scan of the same array (${scalarTimes.length} probes): p50 ${ms(percentile(scalarTimes, 50))} ms, p95 ${ms(percentile(scalarTimes, 95))} ms ` +
        `(${(percentile(scalarTimes, 50) / percentile(exactTimes, 50)).toFixed(1)}× the SIMD kernel's p50)`,
    );

    const rssBefore = process.memoryUsage().rss;
    const tiered = new TieredIdentityIndex({ annThreshold: 1, shortlist: shortlists[0]!, hnsw }, gallery.index);
    const buildStarted = performance.now();
    tiered.prepare(); // builds the graph from the whole gallery
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    const graphBytes = process.memoryUsage().rss - rssBefore;
    output.line(`  HNSW built in ${buildSeconds.toFixed(1)} s (${hnsw.buildThreads === 0 ? 'all cores' : `${hnsw.buildThreads} threads`}), + ${(graphBytes / size).toFixed(0)} B per template (RSS growth)`);
    for (const shortlist of shortlists) {
      tiered.shortlist = shortlist;
      const times: number[] = [];
      let agree = 0;
      let agreeStrangers = 0;
      gallery.probes.forEach((probe, p) => {
        const started = performance.now();
        const [best] = tiered.search(probe, 1);
        times.push(performance.now() - started);
        if ((best?.identityId ?? null) === truth[p]) {
          agree += 1;
          if (gallery.subjects[p] === null) agreeStrangers += 1;
        }
      });
      const strangers = gallery.probes.length - enrolledCount;
      output.line(
        `  HNSW shortlist ${String(shortlist).padStart(4)}: p50 ${ms(percentile(times, 50))} ms, p95 ${ms(percentile(times, 95))} ms per probe; ` +
          `recall@1 vs exact ${percent(agree / gallery.probes.length)} (enrolled ${percent((agree - agreeStrangers) / Math.max(1, enrolledCount))}, strangers ${percent(agreeStrangers / Math.max(1, strangers))})`,
      );
    }
  }
  return 0;
}

/** Each probe searched alone: its time in ms, its answer checked against `truth` (the batched scan's). */
function timedSingleSearches(index: ExactIdentityIndex, probes: readonly Float32Array[], truth: ReadonlyArray<string | null>, disagreement: string): number[] {
  return probes.map((probe, p) => {
    const started = performance.now();
    const [best] = index.search(probe, 1);
    const elapsed = performance.now() - started;
    if ((best?.identityId ?? null) !== truth[p]) throw new Error(`${disagreement} on probe ${p}`);
    return elapsed;
  });
}

/** Template comparisons the timed single exact probes may cost in all: every probe up to 100k templates. */
const EXACT_COMPARISONS_BUDGET = 100_000_000;
const SCALAR_COMPARISONS_BUDGET = 10_000_000;

/** As many of `wanted` probes as fit `budget` template comparisons at `size`, at least 10. */
function boundedProbeCount(size: number, wanted: number, budget: number): number {
  return Math.min(wanted, Math.max(10, Math.floor(budget / size)));
}

function integerList(raw: string, name: string): number[] {
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) throw new UsageError(`--${name} must be whole numbers ≥ 1 separated by commas, got '${raw}'`);
  return values;
}

const ms = (value: number): string => value.toFixed(3);
const percent = (ratio: number): string => `${(ratio * 100).toFixed(2)} %`;
