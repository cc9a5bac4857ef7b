#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { TOKENS } from './application/tokens';
import { applyGcPolicy } from './composition/gc-policy';
import type { AnalyzeFaces } from './application/use-cases/analyze-faces';
import { FaceRecognitionError } from './domain/errors';
import { benchCommand } from './infrastructure/cli/bench-command';
import { benchSearchCommand } from './infrastructure/cli/bench-search-command';
import { benchTracingCommand } from './infrastructure/cli/bench-tracing-command';
import { compareCommand } from './infrastructure/cli/compare-command';
import { detectCommand } from './infrastructure/cli/detect-command';
import { galleryCommand } from './infrastructure/cli/gallery-command';
import { evalLfwCommand, withQualityGateOpened } from './infrastructure/cli/eval-command';
import { evalGateCommand } from './infrastructure/cli/eval-gate-command';
import { evalIdentifyCommand } from './infrastructure/cli/eval-identify-command';
import { evalScenesCommand, type GalleryPipeline } from './infrastructure/cli/eval-scenes-command';
import { loadgenCommand } from './infrastructure/cli/loadgen-command';
import { scenesCommand } from './infrastructure/cli/scenes-command';
import { soakCommand } from './infrastructure/cli/soak-command';
import { UsageError, type CommandOutput } from './infrastructure/cli/output';
import { CONFIG_SCHEMA, loadConfig, type Config } from './infrastructure/config/config';
import { ConfigError } from './infrastructure/config/env-schema';
import type { LoadedModelSet } from './infrastructure/onnx/model-set';
import { StageTimings } from './infrastructure/telemetry/stage-timings';
import { INFRA } from './infrastructure/tokens';
import { bindGallery, createContainer, releaseContainer } from './composition/pipeline';
import { createGalleryStore } from './composition/gallery-store';

const USAGE = `usage:
  facerec detect <image>
  facerec compare <imageA> <imageB>
  facerec eval lfw --data <dir> [--limit <pairs per fold>] [--batch <n>]
  facerec eval scenes --data <dir> [--batch <n>]
  facerec eval identify --data <dir> [--enrol <photos per person>] [--svg <path>] [--batch <n>]
  facerec eval gate --data <scenes dir> --lfw <dir> [--per-person <n>] [--batch <n>]
  facerec bench --images <dir> [--count <n>] [--batch <n>]
  facerec bench search [--sizes 10000,100000,1000000] [--probes <n>] [--shortlists 64,128,…] [--dim <n>] [--noise <x>] [--latent <L>] [--connectivity <M>] [--expansion-add <n>] [--quantization f32|f16|i8] [--seed <n>]
  facerec bench-tracing --images <dir> [--rounds <n>] [--count <frames per round>] [--batch <n>] [--pool <images>] [--export-interval <ms>]
  facerec scenes --lfw <dir> --out <dir> [--frames <n>] [--seed <n>] [--group-frames <n>] [--sample-frames <n>] [--samples <dir>] [--gallery-photos <n>] [--min-photos <n>]
  facerec loadgen --redis <url> --images <dir> [--rate <fps>] [--count <n>] [--stream <queue>] [--results <stream>] [--timeout <s>]
                  [--api <http://host:port> --api-key <secret> [--api-clients <n>] [--api-route verify|detect] [--api-image <file>]]
  facerec gallery export --out <file> [--passphrase-file <file>]     encrypted backup of the gallery (GALLERY_BACKUP_PASSPHRASE)
  facerec gallery import --in <file> [--passphrase-file <file>] [--replace]
  facerec gallery rotate-key                                          re-encrypt every record with the first GALLERY_ENCRYPTION_KEY
  facerec soak --out <dir> [--duration <30m>] [--fraction <0.8>] [--calibrate <60s>] [--interval <10s>] [--window <5m>]
  facerec config            list every environment variable with its default

Results are JSON on stdout; errors are JSON on stderr with a non-zero exit code.`;

const output: CommandOutput = {
  line: (text) => process.stdout.write(`${text}\n`),
  json: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  progress: (text) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${text}`);
  },
};

async function withPipeline<T>(
  config: Config,
  timings: StageTimings | null,
  run: (analyze: AnalyzeFaces, modelSet: LoadedModelSet) => Promise<T>,
): Promise<T> {
  const container = await createContainer(config, timings ? { instrumentation: timings, modelObservers: [timings] } : {});
  try {
    return await run(container.get<AnalyzeFaces>(TOKENS.AnalyzeFaces), container.get<LoadedModelSet>(INFRA.ModelSet));
  } finally {
    await releaseContainer(container);
  }
}

/** The pipeline with the photos of `galleryDir` enrolled, as the service enrols GALLERY_DIR. */
async function withGalleryPipeline<T>(config: Config, galleryDir: string, run: (pipeline: GalleryPipeline) => Promise<T>): Promise<T> {
  const container = await createContainer(config);
  try {
    const enrolment = await bindGallery(container, galleryDir);
    return await run({ analyze: container.get<AnalyzeFaces>(TOKENS.AnalyzeFaces), enrolment, modelSet: container.get<LoadedModelSet>(INFRA.ModelSet).version });
  } finally {
    await releaseContainer(container);
  }
}

const parseOptions = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      images: { type: 'string' },
      limit: { type: 'string' },
      enrol: { type: 'string' },
      svg: { type: 'string' },
      count: { type: 'string' },
      batch: { type: 'string' },
      redis: { type: 'string' },
      rate: { type: 'string' },
      stream: { type: 'string' },
      results: { type: 'string' },
      timeout: { type: 'string' },
      rounds: { type: 'string' },
      pool: { type: 'string' },
      'export-interval': { type: 'string' },
      lfw: { type: 'string' },
      out: { type: 'string' },
      frames: { type: 'string' },
      seed: { type: 'string' },
      samples: { type: 'string' },
      'group-frames': { type: 'string' },
      'sample-frames': { type: 'string' },
      'gallery-photos': { type: 'string' },
      'min-photos': { type: 'string' },
      api: { type: 'string' },
      'api-key': { type: 'string' },
      'api-clients': { type: 'string' },
      'api-route': { type: 'string' },
      'api-image': { type: 'string' },
      sizes: { type: 'string' },
      probes: { type: 'string' },
      shortlists: { type: 'string' },
      dim: { type: 'string' },
      noise: { type: 'string' },
      latent: { type: 'string' },
      connectivity: { type: 'string' },
      'expansion-add': { type: 'string' },
      quantization: { type: 'string' },
      in: { type: 'string' },
      'passphrase-file': { type: 'string' },
      replace: { type: 'boolean' },
      duration: { type: 'string' },
      fraction: { type: 'string' },
      calibrate: { type: 'string' },
      interval: { type: 'string' },
      window: { type: 'string' },
      'per-person': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });

/** parseArgs's own errors (unknown option, missing value) are mistakes in the command line. */
function parseCommandLine(argv: readonly string[]): ReturnType<typeof parseOptions> {
  try {
    return parseOptions(argv);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((error as Error).message);
    throw error;
  }
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    output.line(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'loadgen') return loadgenCommand(values, output);
  if (command === 'scenes') return scenesCommand(values, output);
  // Synthetic vectors only: no model, no configuration.
  if (command === 'bench' && rest[0] === 'search') return benchSearchCommand(values, output);
  if (command === 'soak') return soakCommand(values, output);
  // Commands print their own results; service logs (model load, …) only when LOG_LEVEL asks for them.
  const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || 'warn' });
  switch (command) {
    case 'detect':
      return withPipeline(config, null, (analyze) => detectCommand(analyze, rest, output));
    case 'compare':
      return withPipeline(config, null, (analyze) => compareCommand(analyze, rest, config.MATCH_THRESHOLD, output));
    case 'eval':
      if (rest[0] === 'lfw') return evalLfwCommand(config, values, output, (evalConfig, run) => withPipeline(evalConfig, null, run));
      if (rest[0] === 'scenes') return evalScenesCommand(config, values, output, (galleryDir, run) => withGalleryPipeline(config, galleryDir, run));
      if (rest[0] === 'identify') return evalIdentifyCommand(config, values, output, (evalConfig, run) => withPipeline(evalConfig, null, run));
      if (rest[0] === 'gate') {
        return evalGateCommand(config, values, output, (galleryDir, run) => withGalleryPipeline(withQualityGateOpened(config), galleryDir, run), [
          config.MATCH_THRESHOLD,
          config.IDENTIFY_THRESHOLD,
        ]);
      }
      throw new UsageError(`unknown benchmark '${rest[0] ?? ''}': 'lfw', 'scenes', 'identify' or 'gate'`);
    case 'bench': {
      const timings = new StageTimings();
      return withPipeline(config, timings, (analyze, modelSet) => benchCommand(analyze, timings, modelSet.models, values, output));
    }
    case 'bench-tracing': {
      const container = await createContainer(config);
      try {
        return await benchTracingCommand(container, config, values, output);
      } finally {
        await releaseContainer(container);
      }
    }
    case 'gallery': {
      const store = await createGalleryStore(config, { connectionName: `facerec-cli:${process.pid}` });
      try {
        const currentKeyId = store.encryption.source === 'off' ? null : (store.encryption.keyIds[0] ?? null);
        return await galleryCommand(rest[0], { repository: store.repository, mode: store.mode, currentKeyId }, values, config.GALLERY_BACKUP_PASSPHRASE, output);
      } finally {
        await store.close();
      }
    }
    case 'config':
      for (const [name, variable] of Object.entries(CONFIG_SCHEMA)) {
        output.line(`${name}=${variable.defaultValue ?? ''}\t# ${variable.description}`);
      }
      return 0;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${JSON.stringify({ error: { code: 'usage', message: error.message } })}\n${USAGE}\n`);
    return 2;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (error instanceof FaceRecognitionError) {
    process.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message, context: error.context } })}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  process.stderr.write(`${JSON.stringify({ error: { code: typeof code === 'string' ? code : 'internal_error', message } })}\n`);
  return 1;
}

if (require.main === module) {
  applyGcPolicy();
  runCli(process.argv.slice(2))
    .catch(reportError)
    .then((code) => {
      process.exitCode = code;
    });
}
