import { SceneGenerationError } from '../../../src/domain/errors';
import { boxHeight, intersectionOverUnion, type BoundingBox } from '../../../src/domain/geometry';
import {
  DEFAULT_SCENE_SETTINGS,
  placeWithoutOverlap,
  planScenes,
  PORTRAIT_LAYOUT,
  portraitCropSize,
  portraitFaceBox,
  sizeBucket,
  type FramePlan,
  type PortraitPerson,
  type SamplePhoto,
  type SceneSettings,
} from '../../../src/domain/scene-plan';
import { SeededRandom } from '../../../src/domain/seeded-random';

const person = (index: number, photos = 8): PortraitPerson => {
  const name = `Person_${String(index).padStart(2, '0')}`;
  return { name, photos: Array.from({ length: photos }, (_, i) => `${name}_${String(i + 1).padStart(4, '0')}.jpg`) };
};

const PEOPLE = Array.from({ length: 20 }, (_, i) => person(i + 1));

const SAMPLES: SamplePhoto[] = [
  { file: 'wide.jpg', width: 1920, height: 1280, faces: [{ x1: 100, y1: 200, x2: 280, y2: 440 }, { x1: 900, y1: 300, x2: 1060, y2: 520 }] },
  { file: 'tall.jpg', width: 1920, height: 1500, faces: [{ x1: 1500, y1: 100, x2: 1700, y2: 380 }] },
];

const settings = (overrides: Partial<SceneSettings> = {}): SceneSettings => ({
  ...DEFAULT_SCENE_SETTINGS,
  seed: 1,
  standardFrames: 12,
  groupFrames: 6,
  sampleFrames: 3,
  ...overrides,
});

const inside = (box: BoundingBox, width: number, height: number): boolean => box.x1 >= 0 && box.y1 >= 0 && box.x2 <= width && box.y2 <= height;

const noBoxesOverlap = (frame: FramePlan): boolean =>
  frame.faces.every((a, i) => frame.faces.every((b, j) => j <= i || intersectionOverUnion(a.box, b.box) === 0));

describe('sizeBucket', () => {
  const sizes = [24, 32, 48];
  it('is the largest size at or below the height, with half a pixel of slack', () => {
    expect(sizeBucket(32, sizes)).toBe(32);
    expect(sizeBucket(47.6, sizes)).toBe(48);
    expect(sizeBucket(47.4, sizes)).toBe(32);
    expect(sizeBucket(300, sizes)).toBe(48);
    expect(sizeBucket(23.4, sizes)).toBeNull();
    expect(sizeBucket(30, [32, 24])).toBe(24);
  });
});

describe('portrait geometry', () => {
  it('maps the crop of a 250×250 portrait onto the frame with its face box', () => {
    const { crop, faceBox } = PORTRAIT_LAYOUT;
    expect(portraitCropSize(faceBox.y2 - faceBox.y1)).toEqual({ width: crop.x2 - crop.x1, height: crop.y2 - crop.y1 });
    expect(portraitFaceBox(0, 0, 170, 200)).toEqual({ x1: 35, y1: 32, x2: 135, y2: 168 });
    expect(portraitFaceBox(100, 50, 85, 100)).toEqual({ x1: 117.5, y1: 66, x2: 167.5, y2: 134 });
  });

  it('sizes crops so that the face box is the asked height within rounding', () => {
    for (const size of [24, 32, 40, 48, 64, 80, 96, 160]) {
      const crop = portraitCropSize(size);
      expect(Math.abs(boxHeight(portraitFaceBox(0, 0, crop.width, crop.height)) - size)).toBeLessThan(0.5);
    }
  });
});

describe('placeWithoutOverlap', () => {
  it('places rectangles inside the frame without overlap, reproducibly', () => {
    const sizes = [
      { width: 200, height: 230 },
      { width: 30, height: 35 },
      { width: 100, height: 120 },
    ];
    const spots = placeWithoutOverlap(new SeededRandom(4), sizes, 640, 480);
    expect(placeWithoutOverlap(new SeededRandom(4), sizes, 640, 480)).toEqual(spots);
    spots.forEach((spot, i) => {
      expect(spot).toMatchObject(sizes[i] as object);
      expect(spot.left).toBeGreaterThanOrEqual(8);
      expect(spot.left + spot.width).toBeLessThanOrEqual(632);
      expect(spot.top + spot.height).toBeLessThanOrEqual(472);
    });
    const disjoint = (a: (typeof spots)[0], b: (typeof spots)[0]): boolean =>
      a.left + a.width <= b.left || b.left + b.width <= a.left || a.top + a.height <= b.top || b.top + b.height <= a.top;
    expect(disjoint(spots[0]!, spots[1]!) && disjoint(spots[0]!, spots[2]!) && disjoint(spots[1]!, spots[2]!)).toBe(true);
  });

  it('fails with a typed error when the rectangles cannot fit', () => {
    expect(() => placeWithoutOverlap(new SeededRandom(1), [{ width: 90, height: 90 }, { width: 90, height: 90 }], 120, 120)).toThrow(SceneGenerationError);
    expect(() => placeWithoutOverlap(new SeededRandom(1), [{ width: 300, height: 90 }], 120, 120)).toThrow(/cannot place a 300×90 crop/);
  });
});

describe('planScenes', () => {
  const plan = planScenes(settings(), { people: PEOPLE, samples: SAMPLES });
  const byKind = (kind: string): FramePlan[] => plan.frames.filter((f) => f.kind === kind);

  it('plans the asked frames, named by kind and number', () => {
    expect(plan.frames.map((f) => f.name).slice(0, 2)).toEqual(['standard-0001', 'standard-0002']);
    expect([byKind('standard').length, byKind('group').length, byKind('samples').length]).toEqual([12, 6, 3]);
    expect(byKind('group')[0]?.name).toBe('group-0001');
    expect(byKind('samples')[2]?.name).toBe('samples-0003');
  });

  it('is the same plan for the same seed and another plan for another seed', () => {
    expect(planScenes(settings(), { people: PEOPLE, samples: SAMPLES })).toEqual(plan);
    // The order in which the folder lists people does not matter.
    expect(planScenes(settings(), { people: [...PEOPLE].reverse(), samples: SAMPLES })).toEqual(plan);
    expect(planScenes(settings({ seed: 2 }), { people: PEOPLE, samples: SAMPLES })).not.toEqual(plan);
  });

  it('puts one face of each size in every standard frame, inside the frame, of different people, without overlap', () => {
    for (const frame of byKind('standard')) {
      expect(frame.faces.map((f) => f.bucket).sort((a, b) => a - b)).toEqual(DEFAULT_SCENE_SETTINGS.sizes);
      for (const face of frame.faces) {
        expect(Math.abs(boxHeight(face.box) - face.bucket)).toBeLessThan(0.5);
        expect(inside(face.box, 1920, 1080)).toBe(true);
      }
      expect(new Set(frame.faces.map((f) => f.person)).size).toBe(frame.faces.length);
      expect(noBoxesOverlap(frame)).toBe(true);
      frame.portraits.forEach((p, i) => {
        expect(frame.faces[i]).toMatchObject({ person: p.person, source: p.photo, box: portraitFaceBox(p.left, p.top, p.width, p.height) });
        expect(p.left).toBeGreaterThanOrEqual(0);
        expect(p.left + p.width).toBeLessThanOrEqual(1920);
        expect(p.top + p.height).toBeLessThanOrEqual(1080);
      });
    }
  });

  it('never pastes a gallery photo, and gives everyone galleryPhotos gallery photos', () => {
    expect(plan.gallery.map((g) => g.person)).toEqual(PEOPLE.map((p) => p.name));
    const galleryOf = new Map(plan.gallery.map((g) => [g.person, new Set(g.photos)]));
    for (const g of plan.gallery) expect(g.photos).toHaveLength(4);
    const pasted = plan.frames.flatMap((f) => f.portraits);
    expect(pasted.length).toBeGreaterThan(100);
    for (const p of pasted) expect(galleryOf.get(p.person)?.has(p.photo)).toBe(false);
  });

  it('casts everyone about equally often and uses each person’s photos in turn', () => {
    const pasted = plan.frames.flatMap((f) => f.portraits);
    const counts = PEOPLE.map((p) => pasted.filter((x) => x.person === p.name).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(3);
    for (const p of PEOPLE) {
      const photos = pasted.filter((x) => x.person === p.name).map((x) => x.photo);
      expect(new Set(photos.slice(0, 4)).size).toBe(Math.min(4, photos.length));
    }
  });

  it('lays group frames out as grids of 6 to 15 faces of 64–96 px that do not overlap', () => {
    for (const frame of byKind('group')) {
      expect(frame.faces.length).toBeGreaterThanOrEqual(6);
      expect(frame.faces.length).toBeLessThanOrEqual(15);
      for (const face of frame.faces) {
        expect(boxHeight(face.box)).toBeGreaterThanOrEqual(64 * 0.95 - 0.5);
        expect(boxHeight(face.box)).toBeLessThanOrEqual(96 * 1.05 + 0.5);
        expect([64, 80, 96]).toContain(face.bucket);
        expect(inside(face.box, 1920, 1080)).toBe(true);
      }
      expect(noBoxesOverlap(frame)).toBe(true);
      expect(new Set(frame.faces.map((f) => f.person)).size).toBe(frame.faces.length);
    }
  });

  it('downscales the sample photos so their faces are 30–80 px, with boxes that follow the photo (mirrored too)', () => {
    for (const frame of byKind('samples')) {
      expect(frame.portraits).toEqual([]);
      expect(frame.samples.map((s) => s.file).sort()).toEqual(['tall.jpg', 'wide.jpg']);
      expect(frame.faces).toHaveLength(3);
      for (const face of frame.faces) {
        expect(face.person).toBeNull();
        expect(boxHeight(face.box)).toBeGreaterThanOrEqual(30 - 0.01);
        expect(boxHeight(face.box)).toBeLessThanOrEqual(80 + 0.01);
        const paste = frame.samples.find((s) => face.source.startsWith(`${s.file}#`));
        expect(paste).toBeDefined();
        expect(face.box.x1).toBeGreaterThanOrEqual(paste!.left);
        expect(face.box.x2).toBeLessThanOrEqual(paste!.left + paste!.width);
      }
    }
  });

  it('mirrors a sample face box with its photo', () => {
    const frames = planScenes(settings({ standardFrames: 0, groupFrames: 0, sampleFrames: 8 }), { people: [], samples: [SAMPLES[1]!] }).frames;
    expect(new Set(frames.map((f) => f.samples[0]?.flip))).toEqual(new Set([true, false]));
    const flipped = frames.find((f) => f.samples[0]?.flip)!;
    const paste = flipped.samples[0]!;
    const scale = paste.width / 1920;
    const box = flipped.faces[0]!.box;
    expect(box.x1).toBeCloseTo(paste.left + (1920 - 1700) * scale, 1);
    expect(box.x2).toBeCloseTo(paste.left + (1920 - 1500) * scale, 1);
    expect(flipped.faces[0]!.source).toBe('tall.jpg#1');
  });

  it('gives every frame its own look', () => {
    const looks = new Set(plan.frames.map((f) => JSON.stringify([f.background, f.lighting, f.finish])));
    expect(looks.size).toBe(plan.frames.length);
  });

  it('refuses people with too few photos to keep the gallery apart', () => {
    expect(() => planScenes(settings(), { people: [...PEOPLE, person(99, 4)], samples: SAMPLES })).toThrow(/Person_99 has 4/);
  });

  it('refuses to plan portrait frames without people, or sample frames without sample photos', () => {
    expect(() => planScenes(settings(), { people: [], samples: SAMPLES })).toThrow(SceneGenerationError);
    expect(() => planScenes(settings(), { people: PEOPLE, samples: [] })).toThrow(/sample frames need sample photos/);
    expect(planScenes(settings({ sampleFrames: 0 }), { people: PEOPLE, samples: [] }).frames).toHaveLength(18);
  });

  it('refuses a frame with more faces than people', () => {
    expect(() => planScenes(settings(), { people: PEOPLE.slice(0, 5), samples: SAMPLES })).toThrow(/needs 8 different people but only 5/);
  });

  it('refuses faces below the smallest size bucket', () => {
    expect(() => planScenes(settings({ standardFrames: 0, groupFrames: 0, sampleFaceHeights: [10, 20] }), { people: [], samples: SAMPLES })).toThrow(
      /below the smallest size bucket \(24 px\)/,
    );
  });
});
