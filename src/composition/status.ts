import type { FrameConsumer } from '../application/services/frame-consumer';
import type { ProcessorLifecycle } from '../application/services/processor-lifecycle';
import type { Config } from '../infrastructure/config/config';
import type { ProcessorStatusSource } from '../infrastructure/http/health/processor-status';
import type { LoadedModelSet } from '../infrastructure/onnx/model-set';

/** What /health and /ready report, read from the running parts. */
export function processorStatus(
  config: Config,
  version: string,
  parts: { consumer: FrameConsumer; lifecycle: ProcessorLifecycle | null; modelSet: LoadedModelSet },
): ProcessorStatusSource {
  const { consumer, lifecycle, modelSet } = parts;
  const models = Object.fromEntries(modelSet.models.map((m) => [m.name, `${modelSet.manifest[m.name as 'detector'].file}`]));
  return {
    status: () => {
      const consuming = consumer.status();
      return {
        processorId: config.PROCESSOR_ID,
        version,
        orchestratorConfigured: lifecycle !== null,
        registered: lifecycle?.status().registered ?? false,
        consuming: consuming.consuming,
        modelsLoaded: true,
        models,
        capacity: config.CAPACITY,
        inflight: consuming.inflight,
        framesProcessed: consuming.framesProcessed,
        errorsTotal: consuming.errorsTotal,
      };
    },
  };
}
