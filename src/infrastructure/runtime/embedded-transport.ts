import type { Config } from '../config/config';
import { FolderFrameQueue } from '../embedded/folder-frame-queue';
import { InlineFrameImageStore } from '../embedded/inline-image-store';
import { JsonLinesResultPublisher } from '../embedded/json-lines-publisher';
import { listImages } from '../files/list-images';
import type { FrameTransport } from './redis-transport';

export interface EmbeddedTransport extends FrameTransport {
  readonly queue: FolderFrameQueue;
  readonly publisher: JsonLinesResultPublisher;
}

export class EmbeddedInputError extends Error {
  readonly code = 'embedded_input_error';
}

/** The embedded default: frames from INPUT_DIR, results as JSON lines, no Redis. */
export async function createEmbeddedTransport(config: Config): Promise<EmbeddedTransport> {
  let files: string[];
  try {
    files = await listImages(config.INPUT_DIR);
  } catch {
    throw new EmbeddedInputError(`INPUT_DIR ${config.INPUT_DIR} cannot be read; run 'npm run provision' for the sample photos or set INPUT_DIR`);
  }
  if (files.length === 0) throw new EmbeddedInputError(`INPUT_DIR ${config.INPUT_DIR} has no .jpg/.png/.webp images`);
  const queue = new FolderFrameQueue({ files, passes: config.INPUT_REPEAT, cameraId: 'embedded' });
  const publisher = new JsonLinesResultPublisher(config.OUTPUT_FILE, queue);
  return {
    queue,
    publisher,
    images: new InlineFrameImageStore(),
    close: async () => {
      await queue.close();
      await publisher.close();
    },
  };
}
