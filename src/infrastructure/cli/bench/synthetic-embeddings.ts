import { performance } from 'node:perf_hooks';
import { SeededRandom } from '../../../domain/seeded-random';
import { ExactIdentityIndex } from '../../search/exact-identity-index';
import { percentile } from '../../telemetry/stage-timings';
import type { CommandOutput } from '../output';

/**
 * How synthetic people and their photos are drawn (see `SyntheticPeople`).
 * `latent` 0 means isotropic centres.
 */
export interface EmbeddingModel {
  readonly dimensions: number;
  readonly noise: number;
  readonly latent: number;
  readonly seed: number;
}

/** A gallery of synthetic people and the probes searched against it. */
export interface SyntheticGallery {
  readonly index: ExactIdentityIndex;
  readonly probes: Float32Array[];
  /** For each probe, the enrolled person it is a new photo of; null for a stranger. */
  readonly subjects: Array<number | null>;
  readonly fillSeconds: number;
  readonly heapBytes: number;
}

/** Similarities of synthetic photo pairs, to set against a real data set's (LFW's in adr/0005). */
export interface PairStatistics {
  readonly pairs: number;
  readonly genuineMedian: number;
  readonly impostorMedian: number;
  /** The similarity a threshold needs for FAR 0.1 % on these pairs. */
  readonly impostorP999: number;
}

/**
 * Clustered unit vectors shaped like face embeddings: each person is a unit
 * centre; a photo is the centre plus isotropic Gaussian noise of norm ≈
 * `noise`, renormalised; a template is the normalised mean of 3 photos.
 *
 * Random centres in 512 dimensions are all nearly orthogonal: the hardest
 * case for a graph index. With `latent` L the centres are random
 * combinations of L fixed random directions instead (people differ along L
 * axes only; face embeddings are reported to have a low intrinsic
 * dimension), while the photos' noise stays full-dimensional. `pairStatistics`
 * says how close a setting comes to real embeddings.
 */
export class SyntheticPeople {
  private readonly axes: Float32Array[];

  constructor(
    readonly model: EmbeddingModel,
    private readonly random: SeededRandom,
  ) {
    this.axes = Array.from({ length: model.latent }, () => {
      const axis = new Float32Array(model.dimensions);
      unitGaussian(random, axis);
      return axis;
    });
  }

  centre(target: Float32Array): void {
    if (this.axes.length === 0) return unitGaussian(this.random, target);
    target.fill(0);
    for (const axis of this.axes) {
      const weight = this.random.normal();
      for (let i = 0; i < target.length; i += 1) target[i] = target[i]! + weight * axis[i]!;
    }
    normaliseInPlace(target);
  }

  photo(centre: Float32Array, target: Float32Array): void {
    perturb(this.random, centre, this.model.noise, target);
  }

  /** The mean of 3 photos: the centre plus noise of a third the variance. */
  template(centre: Float32Array, target: Float32Array): void {
    perturb(this.random, centre, this.model.noise / Math.sqrt(3), target);
  }
}

export function syntheticGallery(size: number, probeCount: number, model: EmbeddingModel, output: CommandOutput): SyntheticGallery {
  const random = SeededRandom.derive(model.seed, 'bench-search', size);
  const enrolledProbes = Math.ceil(probeCount / 2);
  const subjects: Array<number | null> = [];
  for (let i = 0; i < enrolledProbes; i += 1) subjects.push(random.integer(0, size - 1));
  while (subjects.length < probeCount) subjects.push(null);
  const wanted = new Set(subjects.filter((s): s is number => s !== null));
  const centres = new Map<number, Float32Array>();
  const people = new SyntheticPeople(model, random);

  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const index = new ExactIdentityIndex({ dimensions: model.dimensions });
  const centre = new Float32Array(model.dimensions);
  const template = new Float32Array(model.dimensions);
  for (let person = 0; person < size; person += 1) {
    people.centre(centre);
    people.template(centre, template);
    index.upsert({ id: `p${person}`, name: null, template, embeddings: 3 });
    if (wanted.has(person)) centres.set(person, Float32Array.from(centre));
    if (person % 50_000 === 0) output.progress(`generating ${size} templates: ${person}`);
  }
  const fillSeconds = (performance.now() - started) / 1000;
  const heapBytes = Math.max(0, process.memoryUsage().heapUsed - heapBefore);
  output.progress('');
  const probes = subjects.map((subject) => {
    const probe = new Float32Array(model.dimensions);
    if (subject === null) people.centre(probe);
    else people.photo(centres.get(subject)!, probe);
    return probe;
  });
  return { index, probes, subjects, fillSeconds, heapBytes };
}

/** `pairs` genuine (two photos of one person) and `pairs` impostor (photos of two people) photo pairs. */
export function pairStatistics(model: EmbeddingModel, pairs: number): PairStatistics {
  const people = new SyntheticPeople(model, SeededRandom.derive(model.seed, 'bench-search', 'pairs'));
  const [a, b, first, second] = Array.from({ length: 4 }, () => new Float32Array(model.dimensions));
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < pairs; i += 1) {
    people.centre(a!);
    people.photo(a!, first!);
    people.photo(a!, second!);
    genuine.push(dot(first!, second!));
    people.centre(b!);
    people.photo(b!, second!);
    impostor.push(dot(first!, second!));
  }
  return { pairs, genuineMedian: percentile(genuine, 50), impostorMedian: percentile(impostor, 50), impostorP999: percentile(impostor, 99.9) };
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += a[i]! * b[i]!;
  return sum;
}

/** A uniformly random direction. */
function unitGaussian(random: SeededRandom, target: Float32Array): void {
  for (let i = 0; i < target.length; i += 1) target[i] = random.normal();
  normaliseInPlace(target);
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
  for (let i = 0; i < centre.length; i += 1) target[i] = centre[i]! + scale * random.normal();
  normaliseInPlace(target);
}
