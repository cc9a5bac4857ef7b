import type { Frame } from '../../domain/frame';
import type { FrameDelivery } from './frame-queue';

/** Resolves a frame's image bytes (claim check). Throws FrameImageNotFound / ForbiddenImagePath. */
export interface FrameImageStore {
  fetch(frame: Frame, delivery: FrameDelivery): Promise<Uint8Array>;
}
