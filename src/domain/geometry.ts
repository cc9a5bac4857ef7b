/** A point in image pixel coordinates. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** An axis-aligned box in image pixel coordinates, corners inclusive of x1/y1. */
export interface BoundingBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export const boxWidth = (box: BoundingBox): number => Math.max(0, box.x2 - box.x1);

export const boxHeight = (box: BoundingBox): number => Math.max(0, box.y2 - box.y1);

export const boxArea = (box: BoundingBox): number => boxWidth(box) * boxHeight(box);

export const boxCenter = (box: BoundingBox): Point => ({ x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 });

export function intersectionOverUnion(a: BoundingBox, b: BoundingBox): number {
  const intersection = boxArea({
    x1: Math.max(a.x1, b.x1),
    y1: Math.max(a.y1, b.y1),
    x2: Math.min(a.x2, b.x2),
    y2: Math.min(a.y2, b.y2),
  });
  const union = boxArea(a) + boxArea(b) - intersection;
  return union > 0 ? intersection / union : 0;
}

/** Clips a box to an image of the given size. */
export function clipBox(box: BoundingBox, width: number, height: number): BoundingBox {
  const clamp = (v: number, max: number): number => Math.min(Math.max(v, 0), max);
  return { x1: clamp(box.x1, width), y1: clamp(box.y1, height), x2: clamp(box.x2, width), y2: clamp(box.y2, height) };
}

/** Scales a box given in normalised [0,1] coordinates to pixels. */
export function denormaliseBox(box: BoundingBox, width: number, height: number): BoundingBox {
  return { x1: box.x1 * width, y1: box.y1 * height, x2: box.x2 * width, y2: box.y2 * height };
}

export const boxToArray = (box: BoundingBox): [number, number, number, number] => [box.x1, box.y1, box.x2, box.y2];
