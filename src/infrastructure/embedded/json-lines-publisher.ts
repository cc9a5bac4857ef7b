import { createWriteStream, type WriteStream } from 'node:fs';
import type { FrameDelivery } from '../../application/ports/frame-queue';
import type { PublishOutcome, ResultPublisher } from '../../application/ports/result-publisher';
import type { FolderFrameQueue } from './folder-frame-queue';

/** The embedded default's result sink: one JSON object per line, same fields as the faces:detected entry. */
export class JsonLinesResultPublisher implements ResultPublisher {
  private readonly published = new Set<string>();
  private readonly out: NodeJS.WritableStream;
  private outputError: Error | null = null;
  /**
   * Settles with the first write error of the output, after which nothing
   * more can be written: typically the reader of stdout went away
   * (`npm start | head`, EPIPE). The service then stops instead of crashing
   * on an unhandled stream error.
   */
  readonly outputClosed: Promise<Error>;

  constructor(
    target: string,
    private readonly queue: FolderFrameQueue,
  ) {
    this.out = target === '-' ? process.stdout : createWriteStream(target, { flags: 'a' });
    this.outputClosed = new Promise<Error>((resolve) =>
      this.out.on('error', (error: Error) => {
        this.outputError ??= error;
        resolve(this.outputError);
      }),
    );
  }

  async publish(delivery: FrameDelivery, frameId: string, result: Readonly<Record<string, string>>): Promise<PublishOutcome> {
    // Unpublished, the frame is not acknowledged: it stays in the queue, as a failed XADD leaves a Redis entry pending.
    if (this.outputError) throw this.outputError;
    const duplicate = this.published.has(frameId);
    if (!duplicate) {
      this.published.add(frameId);
      const { faces, ...rest } = result;
      const line = JSON.stringify({ ...rest, faces: faces === undefined ? [] : (JSON.parse(faces) as unknown) });
      await new Promise<void>((resolve, reject) => this.out.write(`${line}\n`, (error) => (error ? reject(error) : resolve())));
    }
    this.queue.acknowledge(delivery.entryId);
    return duplicate ? 'duplicate' : 'published';
  }

  async close(): Promise<void> {
    if (this.out !== process.stdout) await new Promise<void>((resolve) => (this.out as WriteStream).end(resolve));
  }
}
