import type { BoundingBox, Point } from './geometry';
import { clipBox } from './geometry';
import type { FivePointLandmarks } from './landmarks';

/**
 * How a frame is shown to a detector whose input can take any size: never
 * stretched. The whole frame is scaled, aspect ratio kept, so that its longer
 * side is at most `maxSide` (letterbox; frames already smaller are not
 * enlarged), and the model input is that picture padded at the right and
 * bottom to a multiple of the detector's stride.
 *
 * A detector may only be trusted with faces up to some size in its input
 * (`largestFace`): UltraFace, trained on 320×240 pictures, reads bodies and
 * furniture as faces of 130–260 px when shown a frame at 1280 px. Such a
 * detector also sees the frame through a pyramid of coarser whole-frame
 * views, each `pyramidRatio` times smaller, down to `pyramidMinSide`; every
 * view but the coarsest keeps only faces up to `largestFace`, and the next
 * coarser one finds the larger faces at a size it handles.
 *
 * With tiling on, a frame larger than `maxSide` is also covered at full
 * resolution by windows of the same input size that overlap by
 * `tileOverlap` pixels, so that faces too small to survive the downscale are
 * seen at their real size. Boxes from every view are merged by non-maximum
 * suppression (adr/0009).
 */
export interface DetectionPlanSettings {
  /** Longest side of the scaled whole frame, in pixels. */
  readonly maxSide: number;
  /** Cover frames larger than `maxSide` with full-resolution tiles as well. */
  readonly tiles: boolean;
  /** Pixels shared by neighbouring tiles (faces up to about this size are whole in some tile). */
  readonly tileOverlap: number;
}

/** How far the detector model itself can be trusted, per family. */
export interface DetectorReach {
  /** Largest face (box height, input pixels) a view that is not the coarsest keeps; undefined = any size. */
  readonly largestFace?: number;
  /** Each pyramid level's side divided by the next one's. */
  readonly pyramidRatio: number;
  /** No pyramid level's longer side goes below this. */
  readonly pyramidMinSide: number;
}

/** One model input item: a region of the source, scaled into the top-left of an input slot. */
export interface DetectorView {
  /** The source pixels shown, in source coordinates. */
  readonly region: BoundingBox;
  /** Input pixels per source pixel (≤ 1). */
  readonly scale: number;
  /** Size of the scaled region inside the input slot. */
  readonly width: number;
  readonly height: number;
  /** Largest face height (input pixels) kept from this view; undefined = any. */
  readonly largestFace?: number;
}

/** Detector inputs must be a multiple of the coarsest feature stride of the model families here. */
export const DETECTOR_INPUT_MULTIPLE = 32;

export const roundUpTo = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/** The input size a view needs: its scaled size padded up to DETECTOR_INPUT_MULTIPLE. */
export const viewInputSize = (view: DetectorView): { width: number; height: number } => ({
  width: roundUpTo(view.width, DETECTOR_INPUT_MULTIPLE),
  height: roundUpTo(view.height, DETECTOR_INPUT_MULTIPLE),
});

/**
 * Offsets of windows of `window` pixels covering [0, length) with at least
 * `overlap` pixels shared by neighbours, evenly spread, the last flush with
 * the end.
 */
export function tileOffsets(length: number, window: number, overlap: number): number[] {
  if (length <= window) return [0];
  const step = Math.max(1, window - overlap);
  const count = Math.ceil((length - window) / step) + 1;
  const spacing = (length - window) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round(i * spacing));
}

const wholeFrameView = (width: number, height: number, scale: number, largestFace: number | undefined): DetectorView => ({
  region: { x1: 0, y1: 0, x2: width, y2: height },
  scale,
  width: Math.max(1, Math.round(width * scale)),
  height: Math.max(1, Math.round(height * scale)),
  ...(largestFace !== undefined ? { largestFace } : {}),
});

/**
 * The views a frame of `width` × `height` is detected through: the whole
 * frame at DETECTION_SIZE, its coarser pyramid levels when the detector's
 * reach is limited, then any full-resolution tiles.
 */
export function planDetectorViews(width: number, height: number, settings: DetectionPlanSettings, reach: DetectorReach = { pyramidRatio: 1, pyramidMinSide: 0 }): DetectorView[] {
  const longSide = Math.max(width, height);
  const scales = [Math.min(1, settings.maxSide / longSide)];
  if (reach.largestFace !== undefined && reach.pyramidRatio > 1) {
    while ((longSide * (scales.at(-1) as number)) / reach.pyramidRatio >= reach.pyramidMinSide) scales.push((scales.at(-1) as number) / reach.pyramidRatio);
  }
  const levels = scales.map((scale, i) => wholeFrameView(width, height, scale, i < scales.length - 1 ? reach.largestFace : undefined));
  const whole = levels[0] as DetectorView;
  if (!settings.tiles || whole.scale === 1) return levels;
  // Tiles have the whole view's input size, so that they share its model call.
  const tileWidth = Math.min(width, whole.width);
  const tileHeight = Math.min(height, whole.height);
  const tiles: DetectorView[] = [];
  for (const y of tileOffsets(height, tileHeight, settings.tileOverlap)) {
    for (const x of tileOffsets(width, tileWidth, settings.tileOverlap)) {
      tiles.push({
        region: { x1: x, y1: y, x2: x + tileWidth, y2: y + tileHeight },
        scale: 1,
        width: tileWidth,
        height: tileHeight,
        ...(reach.largestFace !== undefined ? { largestFace: reach.largestFace } : {}),
      });
    }
  }
  return [...levels, ...tiles];
}

/** A point found in a view's input pixels, in source pixels. */
export const viewPointToSource = (view: DetectorView, point: Point): Point => ({
  x: view.region.x1 + point.x / view.scale,
  y: view.region.y1 + point.y / view.scale,
});

/** A box found in a view's input pixels, in source pixels, clipped to the source. */
export function viewBoxToSource(view: DetectorView, box: BoundingBox, sourceWidth: number, sourceHeight: number): BoundingBox {
  const topLeft = viewPointToSource(view, { x: box.x1, y: box.y1 });
  const bottomRight = viewPointToSource(view, { x: box.x2, y: box.y2 });
  return clipBox({ x1: topLeft.x, y1: topLeft.y, x2: bottomRight.x, y2: bottomRight.y }, sourceWidth, sourceHeight);
}

export const viewLandmarksToSource = (view: DetectorView, landmarks: FivePointLandmarks): FivePointLandmarks =>
  landmarks.map((p) => viewPointToSource(view, p)) as unknown as FivePointLandmarks;

/** How close (source pixels) a box may come to a tile's inner edge before it counts as cut by it. */
const CUT_MARGIN = 2;

/**
 * Whether a box found in a tile reaches one of the tile's edges that lies
 * inside the frame: the face is cut there, and is whole in a neighbouring
 * tile (if smaller than the overlap) or in the whole-frame view. Such a
 * partial box is dropped rather than merged, since its overlap with the whole
 * face's box can be too small for non-maximum suppression to remove it.
 */
export function viewTouchesCut(view: DetectorView, box: BoundingBox, sourceWidth: number, sourceHeight: number): boolean {
  const { region } = view;
  return (
    (region.x1 > 0 && box.x1 <= region.x1 + CUT_MARGIN) ||
    (region.y1 > 0 && box.y1 <= region.y1 + CUT_MARGIN) ||
    (region.x2 < sourceWidth && box.x2 >= region.x2 - CUT_MARGIN) ||
    (region.y2 < sourceHeight && box.y2 >= region.y2 - CUT_MARGIN)
  );
}

/**
 * Splits the views of one input size into model calls of at most
 * `maxPixels` input pixels each (at least one view per call). A model call's
 * activations grow with its batch, and ONNX Runtime keeps its arena at the
 * largest call it has seen: 56 full-resolution tiles of a 48 MP photo in one
 * call took 7.7 GB (adr/0009).
 */
export function chunkByInputPixels<T>(items: readonly T[], input: { readonly width: number; readonly height: number }, maxPixels: number): T[][] {
  return inChunksOf(items, Math.max(1, Math.floor(maxPixels / (input.width * input.height))));
}

/** Consecutive chunks of at most `size` items (size ≥ 1), in order: a model call's bounded batches. */
export function inChunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
