import { performance } from 'node:perf_hooks';
import { SeededRandom } from '../../domain/seeded-random';
import { ExactIdentityIndex } from '../search/exact-identity-index';
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

/** A gallery of synthetic people and the probes searched against it. */
interface SyntheticGallery {
  readonly index: ExactIdentityIndex;
  readonly probes: Float32Array[];
  /** For each probe, the enrolled person it is a new photo of; null for a stranger. */
  readonly subjects: Array<number | null>;
  readonly fillSeconds: number;
  readonly heapBytes: number;
}

/**
 * `facerec bench search`: latency per probe, memory per template and the
 * approximate tier's recall@1 against exact search, at several gallery sizes.
 *
 * The vectors are clustered like face embeddings: each person is a random
 * unit centre; a photo is the centre plus isotropic Gaussian noise of norm
 * ≈ `noise`, renormalised; a person's template is the normalised mean of 3
 * photos. Half of the probes are new photos of enrolled people, half are
 * strangers (centres never enrolled). With noise 1 a new photo scores ≈ 0.6
 * against its person's template and a stranger ≈ 0 ± 0.044 against anyone,
 * close to what the embedder gives on LFW (genuine ≈ 0.5–0.7).
 *
 * Random centres in 512 dimensions are all nearly orthogonal: the hardest
 * case for a graph index. With `--latent L` the centres are random
 * combinations of L fixed random directions instead (people differ along
 * L axes only, as face embeddings are reported to have a low intrinsic
 * dimension), while the photos' noise stays 512-dimensional.
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
  for (const size of sizes) {
    const gallery = syntheticGallery(size, probeCount, dimensions, noise, latent, seed, output);
    const exactTimes: number[] = [];
    const truth: Array<string | null> = [];
    for (const probe of gallery.probes) {
      const started = performance.now();
      const [best] = gallery.index.search(probe, 1);
      exactTimes.push(performance.now() - started);
      truth.push(best?.identityId ?? null);
    }
    // The same array scanned by a plain JavaScript loop: what the SIMD kernel saves (at most 100 probes, it is slow).
    gallery.index.kernel = 'scalar';
    const scalarTimes: number[] = [];
    gallery.probes.slice(0, 100).forEach((probe, p) => {
      const started = performance.now();
      const [best] = gallery.index.search(probe, 1);
      scalarTimes.push(performance.now() - started);
      if ((best?.identityId ?? null) !== truth[p]) throw new Error(`the scalar scan disagrees with the SIMD kernel on probe ${p}`);
    });
    gallery.index.kernel = 'simd';
    const enrolledRight = gallery.subjects.filter((subject, p) => subject !== null && truth[p] === `p${subject}`).length;
    const enrolledCount = gallery.subjects.filter((s) => s !== null).length;
    const templateBytes = gallery.index.templateBytes;
    output.line(
      `${size} templates: filled in ${gallery.fillSeconds.toFixed(1)} s; memory per template: ${(templateBytes / size).toFixed(0)} B template array (${dimensions * 4} B live, the rest doubling headroom) + ${(gallery.heapBytes / size).toFixed(0)} B ids and maps on the heap`,
    );
    output.line(
      `  exact: p50 ${ms(percentile(exactTimes, 50))} ms, p95 ${ms(percentile(exactTimes, 95))} ms per probe; ` +
        `new photos ranked their own person first: ${percent(enrolledRight / Math.max(1, enrolledCount))}`,
    );
    output.line(
      `  exact, scalar JavaScript scan of the same array (${scalarTimes.length} probes): p50 ${ms(percentile(scalarTimes, 50))} ms, p95 ${ms(percentile(scalarTimes, 95))} ms ` +
        `(${(percentile(scalarTimes, 50) / percentile(exactTimes, 50)).toFixed(1)}× the SIMD kernel's p50)`,
    );

    const rssBefore = process.memoryUsage().rss;
    const tiered = new TieredIdentityIndex({ annThreshold: 1, shortlist: shortlists[0]!, hnsw }, gallery.index);
    const buildStarted = performance.now();
    tiered.search(gallery.probes[0]!, 1); // builds the graph from the whole gallery
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

function syntheticGallery(size: number, probeCount: number, dimensions: number, noise: number, latent: number, seed: number, output: CommandOutput): SyntheticGallery {
  const random = SeededRandom.derive(seed, 'bench-search', size);
  const enrolledProbes = Math.ceil(probeCount / 2);
  const subjects: Array<number | null> = [];
  for (let i = 0; i < enrolledProbes; i += 1) subjects.push(random.integer(0, size - 1));
  while (subjects.length < probeCount) subjects.push(null);
  const wanted = new Set(subjects.filter((s): s is number => s !== null));
  const centres = new Map<number, Float32Array>();
  const axes = Array.from({ length: latent }, () => {
    const axis = new Float32Array(dimensions);
    unitGaussian(random, axis);
    return axis;
  });
  const drawCentre = (target: Float32Array): void => {
    if (latent === 0) return unitGaussian(random, target);
    target.fill(0);
    for (const axis of axes) {
      const weight = random.normal();
      for (let i = 0; i < dimensions; i += 1) target[i] = target[i]! + weight * axis[i]!;
    }
    normaliseInPlace(target);
  };

  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const index = new ExactIdentityIndex({ dimensions });
  const centre = new Float32Array(dimensions);
  const template = new Float32Array(dimensions);
  // A template is the normalised mean of 3 photos: the centre plus noise of a third the variance.
  const templateNoise = noise / Math.sqrt(3);
  for (let person = 0; person < size; person += 1) {
    drawCentre(centre);
    perturb(random, centre, templateNoise, template);
    index.upsert({ id: `p${person}`, name: null, template, embeddings: 3 });
    if (wanted.has(person)) centres.set(person, Float32Array.from(centre));
    if (person % 50_000 === 0) output.progress(`generating ${size} templates: ${person}`);
  }
  const fillSeconds = (performance.now() - started) / 1000;
  const heapBytes = Math.max(0, process.memoryUsage().heapUsed - heapBefore);
  output.progress('');
  const probes = subjects.map((subject) => {
    const probe = new Float32Array(dimensions);
    if (subject === null) drawCentre(probe);
    else perturb(random, centres.get(subject)!, noise, probe);
    return probe;
  });
  return { index, probes, subjects, fillSeconds, heapBytes };
}

/** A uniformly random direction. */
function unitGaussian(random: SeededRandom, target: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < target.length; i += 1) {
    const value = random.normal();
    target[i] = value;
    sum += value * value;
  }
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < target.length; i += 1) target[i] = target[i]! * scale;
}

function normaliseInPlace(target: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < target.length; i += 1) sum += target[i]! * target[i]!;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < target.length; i += 1) target[i] = target[i]! * scale;
}

/** centre + noise of expected norm `norm` (isotropic), renormalised. */
function perturb(random: SeededRandom, centre: Float32Array, norm: number, target: Float32Array): void {
  const scale = norm / Math.sqrt(centre.length);
  let sum = 0;
  for (let i = 0; i < centre.length; i += 1) {
    const value = centre[i]! + scale * random.normal();
    target[i] = value;
    sum += value * value;
  }
  const inverse = 1 / Math.sqrt(sum);
  for (let i = 0; i < target.length; i += 1) target[i] = target[i]! * inverse;
}

function integerList(raw: string, name: string): number[] {
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) throw new UsageError(`--${name} must be whole numbers ≥ 1 separated by commas, got '${raw}'`);
  return values;
}

const ms = (value: number): string => value.toFixed(3);
const percent = (ratio: number): string => `${(ratio * 100).toFixed(2)} %`;
