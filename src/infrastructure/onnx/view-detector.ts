import { nonMaximumSuppression, type FaceDetection } from '../../domain/detection';
import {
  chunkByInputPixels,
  planDetectorViews,
  viewBoxToSource,
  viewInputSize,
  viewLandmarksToSource,
  viewTouchesCut,
  type DetectionPlanSettings,
  type DetectorReach,
  type DetectorView,
} from '../../domain/detector-views';
import type { RgbImage } from '../../domain/image';
import type { FaceDetector } from '../../application/ports/face-detector';
import type { PixelNormalisation } from '../imaging/tensor-packing';
import type { RunOutput } from './inference-protocol';
import type { ModelCall } from './inference-host';
import type { OnnxModel } from './onnx-session';

export interface DetectionSettings extends DetectionPlanSettings {
  /** Minimum face probability. */
  readonly scoreThreshold: number;
  /** Overlap above which the weaker of two boxes is dropped. */
  readonly nmsIouThreshold: number;
  readonly maxFacesPerImage: number;
}

/**
 * Most input pixels in one detector call: eight whole 1080p frames at the CPU
 * default DETECTION_SIZE (8 × 1280 × 736), so default batches stay one call,
 * while the tiles of a very large frame are spread over several calls instead
 * of one that holds them all (memory; adr/0009).
 */
export const MAX_INPUT_PIXELS_PER_CALL = 8 * 1280 * 736;

/** One item of a model call: which image it shows, how, and at which input size. */
interface PlannedView {
  readonly imageIndex: number;
  readonly view: DetectorView;
  readonly input: { readonly width: number; readonly height: number };
}

/** Where one item's results lie in a batched model call. */
export interface BatchItem {
  readonly outputs: Readonly<Record<string, RunOutput>>;
  /** The item's index in the batch. */
  readonly index: number;
  /** The model input's size (the same for every item of the call). */
  readonly input: { readonly width: number; readonly height: number };
}

/**
 * A detector whose model takes any input size: each frame is shown through
 * its detector views (the whole frame letterboxed to DETECTION_SIZE, plus
 * full-resolution tiles when DETECTION_TILES is on), views of one input size
 * share one batched model call, and each frame's boxes from all its views are
 * merged by non-maximum suppression. A subclass only decodes its model's
 * outputs for one batch item, in input pixels.
 */
export abstract class ViewDetector implements FaceDetector {
  constructor(
    protected readonly model: OnnxModel,
    private readonly normalisation: PixelNormalisation,
    private readonly settings: DetectionSettings,
    private readonly reach: DetectorReach,
  ) {}

  /** Faces of one batch item whose score reaches `threshold`, in the item's input pixels. */
  protected abstract decode(item: BatchItem, threshold: number): FaceDetection[];

  async detect(images: readonly RgbImage[]): Promise<FaceDetection[][]> {
    // All views of the batch in one list, split over the idle workers by runCalls: each worker gets a share of every input size.
    const planned: PlannedView[] = images.flatMap((image, imageIndex) =>
      planDetectorViews(image.width, image.height, this.settings, this.reach).map((view) => ({ imageIndex, view, input: viewInputSize(view) })),
    );
    const calls = await this.model.runCalls(planned.length, (first, count) => this.modelCalls(images, planned.slice(first, first + count)));
    const found: FaceDetection[][] = images.map(() => []);
    for (const { items, outputs, layout } of calls) {
      const input = { width: layout.width, height: layout.height };
      items.forEach(({ imageIndex, view }, index) => {
        const image = images[imageIndex] as RgbImage;
        for (const face of this.decode({ outputs, index, input }, this.settings.scoreThreshold)) {
          if (view.largestFace !== undefined && face.box.y2 - face.box.y1 > view.largestFace) continue;
          const box = viewBoxToSource(view, face.box, image.width, image.height);
          if (box.x2 - box.x1 < 1 || box.y2 - box.y1 < 1 || viewTouchesCut(view, box, image.width, image.height)) continue;
          found[imageIndex]!.push({ box, score: face.score, ...(face.landmarks ? { landmarks: viewLandmarksToSource(view, face.landmarks) } : {}) });
        }
      });
    }
    return found.map((faces) => nonMaximumSuppression(faces, this.settings.nmsIouThreshold, this.settings.maxFacesPerImage));
  }

  /** One worker's model calls for its views: views of one input size share a call of at most MAX_INPUT_PIXELS_PER_CALL input pixels. */
  private modelCalls(images: readonly RgbImage[], views: readonly PlannedView[]): Array<ModelCall & { readonly items: readonly PlannedView[] }> {
    const bySize = new Map<string, PlannedView[]>();
    for (const item of views) {
      const key = `${item.input.width}x${item.input.height}`;
      bySize.set(key, [...(bySize.get(key) ?? []), item]);
    }
    return [...bySize.values()]
      .flatMap((items) => chunkByInputPixels(items, (items[0] as PlannedView).input, MAX_INPUT_PIXELS_PER_CALL))
      .map((items) => ({
        items,
        sources: items.map(({ imageIndex, view }) => ({
          image: images[imageIndex] as RgbImage,
          region: { x: view.region.x1, y: view.region.y1, width: view.region.x2 - view.region.x1, height: view.region.y2 - view.region.y1 },
          size: { width: view.width, height: view.height },
        })),
        layout: { ...this.normalisation, ...(items[0] as PlannedView).input },
      }));
  }
}
