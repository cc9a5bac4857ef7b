import { FrameImageNotFound, type Frame } from '../../domain/frame';
import type { FrameImageStore } from '../../application/ports/frame-image-store';
import type { FrameDelivery } from '../../application/ports/frame-queue';

/** The embedded default carries pixels inline in every delivery. */
export class InlineFrameImageStore implements FrameImageStore {
  async fetch(frame: Frame, delivery: FrameDelivery): Promise<Uint8Array> {
    if (!delivery.image) throw new FrameImageNotFound(`frame ${frame.frameId} carries no inline image`, { frameId: frame.frameId });
    return delivery.image;
  }
}
