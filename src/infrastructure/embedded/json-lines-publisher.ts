import { createWriteStream, type WriteStream } from 'node:fs';
import type { FrameDelivery } from '../../application/ports/frame-queue';
import type { PublishOutcome, ResultPublisher } from '../../application/ports/result-publisher';
import type { FolderFrameQueue } from './folder-frame-queue';

/** The embedded default's result sink: one JSON object per line, same fields as the faces:detected entry. */
export class JsonLinesResultPublisher implements ResultPublisher {
  private readonly published = new Set<string>();
  private readonly out: NodeJS.WritableStream;

  constructor(
    target: string,
    private readonly queue: FolderFrameQueue,
  ) {
    this.out = target === '-' ? process.stdout : createWriteStream(target, { flags: 'a' });
  }

  async publish(delivery: FrameDelivery, frameId: string, result: Readonly<Record<string, string>>): Promise<PublishOutcome> {
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
