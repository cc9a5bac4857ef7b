import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  booleanVar,
  enumVar,
  integerVar,
  numberVar,
  readEnvironment,
  stringVar,
  urlVar,
  type Values,
} from './env-schema';

import { GRAPH_OPTIMIZATION_LEVELS } from '../onnx/inference-protocol';
import { apiKeysFileVar, apiKeysVar } from './api-key-variables';
import { encryptionKeyFileVar, encryptionKeysVar, passphraseVar } from './gallery-key-variables';

/** The package root (where models/ and samples/ are provisioned), independent of the working directory. */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..');

export const SERVICE_VERSION: string = (JSON.parse(readFileSync(resolve(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Every environment variable the service reads. The README's configuration
 * table documents the same list; `facerec config` prints it.
 */
export const CONFIG_SCHEMA = {
  // Models and inference
  MODEL_DIR: stringVar('Directory of the model set (manifest.json + ONNX files).', resolve(PACKAGE_ROOT, 'models', 'default')),
  EXECUTION_PROVIDER: enumVar('ONNX Runtime execution provider; cuda falls back to cpu with one warning.', 'cpu', ['cpu', 'cuda'] as const),
  INFERENCE_WORKERS: integerVar('Inference worker threads, each with every model loaded (0 = one per core on cpu, 1 on cuda).', 0, 0, 64),
  ORT_INTRA_OP_THREADS: integerVar('Threads inside one ONNX operator, per worker (0 = one per core). Parallelism on CPU comes from INFERENCE_WORKERS.', 1, 0, 256),
  ORT_INTER_OP_THREADS: integerVar('Threads across independent ONNX operators.', 1, 1, 256),
  ORT_GRAPH_OPTIMIZATION: enumVar(
    'ONNX Runtime graph optimisation level; auto times extended and all on each model at load and keeps the faster (which one wins depends on the model and the CPU).',
    'auto',
    ['auto', ...GRAPH_OPTIMIZATION_LEVELS] as const,
  ),
  EMBEDDER_PRECISION: enumVar(
    'Embedder weights and activations: f32 (the original) or int8 (the model set\'s quantised embedder, embedder.int8File: 0.77× the embedder time, LFW 99.22 % against 99.30 %); f32 by default until templates record their embedder and int8 is measured without VNNI, adr/0011.',
    'f32',
    ['f32', 'int8'] as const,
  ),
  DETECTION_SIZE: integerVar(
    'Longest side, in pixels, of the frame as the detector sees it (aspect kept, never enlarged); 0 = by execution provider: 1280 on cpu, 1920 on cuda (adr/0009).',
    0,
    0,
    8192,
  ),
  DETECTION_TILES: booleanVar('Also cover frames larger than DETECTION_SIZE with full-resolution tiles (finds smaller faces in 4K frames, at several times the cost).', false),
  DETECTION_TILE_OVERLAP: integerVar('Pixels shared by neighbouring detection tiles.', 128, 0, 4096),
  DETECTION_THRESHOLD: numberVar('Minimum detector face probability.', 0.7, { min: 0, max: 1 }),
  NMS_IOU_THRESHOLD: numberVar('Overlap (IoU) above which the weaker of two face boxes is dropped.', 0.4, { min: 0, max: 1 }),
  MAX_FACES_PER_IMAGE: integerVar('Most faces reported per image.', 64, 1, 1000),
  MIN_FACE_SIZE: numberVar('Quality gate: smallest face box side in pixels.', 16, { min: 0 }),
  MIN_SHARPNESS: numberVar('Quality gate: smallest variance of the Laplacian of the aligned crop, taken at the face\'s own resolution (adr/0009).', 16, { min: 0 }),
  MAX_YAW_DEGREES: numberVar('Quality gate: largest estimated head yaw in degrees.', 60, { min: 0, max: 90 }),
  MATCH_THRESHOLD: numberVar('Cosine similarity at or above which two faces are the same person, 1:1 (facerec compare; calibrated on LFW pairs, adr/0001).', 0.276, {
    min: -1,
    max: 1,
  }),
  IDENTIFY_THRESHOLD: numberVar(
    'Cosine similarity to a person\'s template at or above which a face is taken for that enrolled person (1:N search of the gallery; set for FPIR ≈ 1 % on LFW, adr/0009). MATCH_THRESHOLD stays the 1:1 decision.',
    0.42,
    { min: -1, max: 1 },
  ),
  FLIP_TTA: booleanVar('Embed the mirrored crop too and fuse both embeddings.', false),
  MAX_IMAGE_PIXELS: integerVar('Largest accepted image (width × height), checked before decoding; the default takes a 48–61 MP camera photo (adr/0009).', 64_000_000, 1),
  MIN_IMAGE_SIDE: integerVar('Smallest accepted image side in pixels.', 16, 1),

  // Service identity and orchestrator
  PROCESSOR_ID: stringVar('Processor id registered with frame-buffer-v2; names the queue frames:ready:<id>.', 'face-recognition-1', /^[A-Za-z0-9_.:-]{1,128}$/),
  CONSUMER_NAME: stringVar('Consumer name inside the group (default: hostname-pid); replicas of one PROCESSOR_ID need distinct names.', undefined, /^[A-Za-z0-9_.:-]{1,128}$/),
  ORCHESTRATOR_URL: urlVar('frame-buffer-v2 base URL; unset = do not register.', undefined, ['http:', 'https:']),
  CAPACITY: integerVar('Frames in flight at most (2 × MAX_BATCH lets one batch be prepared while another is inferred); also the capacity registered with the orchestrator.', 16, 1, 10_000),
  HEARTBEAT_INTERVAL_S: numberVar('Seconds between heartbeats.', 10, { min: 0.1, max: 3600 }),
  HEALTH_ENDPOINT: urlVar('Health URL announced to the orchestrator (default http://<hostname>:<HTTP_PORT>/health).', undefined, ['http:', 'https:']),

  // Redis Streams
  REDIS_URL: urlVar('Redis URL; unset = embedded mode on INPUT_DIR.', undefined, ['redis:', 'rediss:']),
  REDIS_CLUSTER: booleanVar('Connect to a Redis Cluster (REDIS_URL is one seed node).', false),
  REDIS_WAIT_TIMEOUT_MS: integerVar(
    "Redis Cluster: longest wait (WAIT) for a result or dead letter to reach its master's replicas before the frame's queue entry is acknowledged; past it the entry stays pending and is redelivered.",
    1000,
    1,
    60_000,
  ),
  CONSUMER_GROUP: stringVar('Consumer group on the frame queue.', 'face-recognition', /^[A-Za-z0-9_.:-]{1,128}$/),
  RESULT_STREAM: stringVar('Stream receiving one result per frame.', 'faces:detected'),
  RESULT_STREAM_MAXLEN: integerVar('Approximate cap of RESULT_STREAM (MAXLEN ~).', 100_000, 1),
  DEAD_LETTER_STREAM: stringVar('Stream receiving frames that cannot be processed.', 'faces:dead-letter'),
  FRAME_IMAGE_KEY: stringVar('Key template of a frame image stored in Redis; {frame_id} and {camera_id} are substituted.', 'frame:data:{frame_id}'),
  FRAME_IMAGE_ROOT: stringVar('Directory that image file paths in frames must lie under (unset = file paths rejected).', undefined),
  MAX_BATCH: integerVar('Most frames analysed in one batched model call.', 8, 1, 256),
  MAX_BATCH_WAIT_MS: integerVar('Longest wait to fill a batch, in ms.', 5, 0, 10_000),
  MAX_ATTEMPTS: integerVar('Deliveries of a frame before it goes to the dead-letter stream.', 3, 1, 100),
  CLAIM_IDLE_MS: integerVar('Pending entries idle longer than this are reclaimed from crashed consumers.', 30_000, 100),
  CLAIM_INTERVAL_MS: integerVar('How often to look for such entries.', 10_000, 100),
  PUBLISH_EMBEDDINGS: booleanVar('Add embeddings to published results (off by default: privacy).', false),
  PROCESSED_MARKER_TTL_S: integerVar('How long the per-frame "already published" marker lives.', 86_400, 1),
  SHUTDOWN_TIMEOUT_S: numberVar('Longest wait for frames in flight on SIGTERM/SIGINT (with none in flight the service exits at once).', 20, { min: 0, max: 3600 }),

  // Embedded mode
  INPUT_DIR: stringVar('Embedded mode: folder of images to process.', resolve(PACKAGE_ROOT, 'samples')),
  OUTPUT_FILE: stringVar('Embedded mode: JSON-lines output ("-" = stdout).', '-'),
  INPUT_REPEAT: integerVar('Embedded mode: passes over INPUT_DIR (keeps frames flowing for demos and tests).', 1, 1, 1_000_000),
  EXIT_WHEN_DONE: booleanVar('Embedded mode: exit after the last pass instead of serving /health and /metrics until SIGTERM.', false),
  GALLERY_DIR: stringVar('Folder of enrolled identities: one sub-folder of photos per person (unset = no gallery).', undefined),
  GALLERY_ANN_THRESHOLD: integerVar(
    'Identities from which 1:N search adds an approximate HNSW index (usearch), its shortlist re-scored exactly; below it every search is exact. 0 = always exact. The default is where exact search passes ~3 ms per probe (adr/0007).',
    20_000,
    0,
    1_000_000_000,
  ),

  // Gallery store (adr/0008)
  DATA_DIR: stringVar('Embedded mode: directory of the gallery store (gallery/people/<id>.json, one encrypted file per person) and of its generated key gallery.key; created (0700) if missing, must be writable.', resolve(PACKAGE_ROOT, 'data')),
  GALLERY_ENCRYPTION: enumVar('Encrypt gallery records and enrolment sessions at rest (AES-256-GCM); off stores them in clear and must be chosen explicitly.', 'on', ['on', 'off'] as const),
  GALLERY_ENCRYPTION_KEY: encryptionKeysVar(
    'Gallery encryption keys, keyid:base64-of-32-bytes,… (openssl rand -base64 32); the first encrypts, every one decrypts (rotation). Redis mode refuses to start without a key unless GALLERY_ENCRYPTION=off; embedded mode generates DATA_DIR/gallery.key once.',
  ),
  GALLERY_ENCRYPTION_KEY_FILE: encryptionKeyFileVar('File of gallery encryption keys, one keyid:base64 per line (# comments), first = current; instead of GALLERY_ENCRYPTION_KEY.'),
  GALLERY_CHANGES_MAXLEN: integerVar('Redis mode: approximate cap (MAXLEN ~) of the gallery change feed {gallery}:changes; a replica that falls further behind reloads the whole gallery.', 10_000, 100, 10_000_000),
  ENROLLMENT_SESSION_TTL_S: integerVar('Lifetime of an enrolment session (POST /v1/enrollments), in seconds.', 900, 10, 86_400),
  GALLERY_BACKUP_PASSPHRASE: passphraseVar('Passphrase of facerec gallery export/import backups (scrypt-derived AES-256-GCM key), 12 to 1024 characters; or --passphrase-file.', 12),

  // HTTP and telemetry
  HTTP_PORT: integerVar('Port of the HTTP API (/v1) and of /health, /ready and /metrics.', 8003, 0, 65_535),
  HTTP_HOST: stringVar('Address the HTTP server binds.', '0.0.0.0'),

  // HTTP API (/v1)
  API_KEYS: apiKeysVar(
    'API keys, keyid:secret,… (secrets of 16 to 256 visible characters); clients send the secret in X-API-Key. With neither API_KEYS nor API_KEYS_FILE, embedded mode generates one key at start (logged once) and Redis mode answers every /v1 request 401.',
  ),
  API_KEYS_FILE: apiKeysFileVar('File of API keys, one keyid:secret per line (# comments), read at start-up; used together with API_KEYS.'),
  API_RATE_LIMIT: integerVar('Requests per minute per API key on /v1; beyond it 429 rate_limited with Retry-After.', 600, 1, 1_000_000),
  API_BODY_LIMIT_BYTES: integerVar('Largest /v1 request body (JSON) or uploaded file (multipart), in bytes; larger is 413. The default holds three 6 MB JPEGs (4K camera photos) in base64.', 26_214_400, 1024, 1_073_741_824),
  API_MAX_IMAGES: integerVar('Most images in one request (multipart files; a registration\'s photos).', 10, 1, 100),
  API_REQUEST_TIMEOUT_MS: integerVar('Longest time a /v1 request may take, waiting for an inference slot included; beyond it 503 overloaded.', 30_000, 100, 600_000),
  API_MAX_CONCURRENT: integerVar('/v1 requests running inference at once, beside the stream (the same inference workers); 2 by measurement (adr/0006).', 2, 1, 1024),
  API_MAX_QUEUED: integerVar('/v1 requests waiting for an inference slot at most; beyond it 503 overloaded with Retry-After (0 = no waiting).', 16, 0, 10_000),
  ENROLLMENT_MAX_FACES: integerVar('Most faces one enrolment session holds; more is 422 session_full.', 30, 1, 1_000),
  ENROLLMENT_COMMIT_FACES: integerVar('Faces an enrolment commit enrols: the best of the session by quality.', 5, 1, 100),

  OTEL_SERVICE_NAME: stringVar('Service name on traces.', 'face-recognition'),
  OTEL_EXPORTER_OTLP_ENDPOINT: urlVar('OTLP/HTTP collector base URL (Jaeger: http://jaeger:4318); unset = spans are not exported.', undefined, ['http:', 'https:']),
  OTEL_SDK_DISABLED: booleanVar('Disable tracing entirely.', false),
  OTEL_TRACES_SAMPLER: enumVar('Sampler (OpenTelemetry names).', 'parentbased_traceidratio', ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const),
  OTEL_TRACES_SAMPLER_ARG: numberVar('Sampling ratio for the *traceidratio samplers.', 0.1, { min: 0, max: 1 }),
  LOG_LEVEL: enumVar('Log verbosity.', 'info', ['debug', 'info', 'warn', 'error'] as const),
} as const;

export type Config = Values<typeof CONFIG_SCHEMA>;

export const loadConfig = (env: Readonly<Record<string, string | undefined>> = process.env): Config =>
  readEnvironment(CONFIG_SCHEMA, env);
