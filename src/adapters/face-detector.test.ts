// BlazeFace through ONNX Runtime on real portraits shipped by Debian (python3-skimage's astronaut, opencv-doc's
// messi5): landmarks land on the eyes, letterboxing maps back to the image's pixels, roll is measured, and an
// image without a face or with two faces is counted right.
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutOutCup } from '../../test/fixtures/make-photo-fixtures.js';
import { rollDegrees } from '../domain/photo-standard.js';
import { createFaceDetector, DEFAULT_MIN_SCORE } from './face-detector.js';
import type { FaceDetector } from './face-detector.js';

const ASTRONAUT = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png';

let detector: FaceDetector;

beforeAll(async () => {
  detector = await createFaceDetector();
});

afterAll(async () => {
  await detector.close();
});

async function rgbOf(pipeline: Sharp) {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

// Where the astronaut's features are in the 512 × 512 original (read off the picture).
const RIGHT_EYE = { x: 203, y: 102 }; // the subject's right eye, on the image's left
const LEFT_EYE = { x: 248, y: 103 };

describe('createFaceDetector (BlazeFace back-256 on ONNX Runtime)', () => {
  it('finds the astronaut and puts the landmarks on her eyes, nose, mouth and ears', async () => {
    const img = await rgbOf(sharp(ASTRONAUT));
    const faces = await detector.detect(img.data, img.width, img.height);
    expect(faces).toHaveLength(1);
    const f = faces[0]!;
    expect(f.score).toBeGreaterThan(0.75);
    expect(Math.hypot(f.rightEye.x - RIGHT_EYE.x, f.rightEye.y - RIGHT_EYE.y)).toBeLessThan(5);
    expect(Math.hypot(f.leftEye.x - LEFT_EYE.x, f.leftEye.y - LEFT_EYE.y)).toBeLessThan(5);
    expect(f.rightEye.x).toBeLessThan(f.leftEye.x);
    // Nose below the eyes and between them, mouth below the nose, ears outside the eyes.
    expect(f.nose.y).toBeGreaterThan(f.rightEye.y + 10);
    expect(f.nose.x).toBeGreaterThan(f.rightEye.x);
    expect(f.nose.x).toBeLessThan(f.leftEye.x);
    expect(f.mouth.y).toBeGreaterThan(f.nose.y + 10);
    expect(f.rightEar.x).toBeLessThan(f.rightEye.x);
    expect(f.leftEar.x).toBeGreaterThan(f.leftEye.x);
    // The box holds the landmarks (roughly eyebrows to chin).
    expect(f.box.x).toBeLessThan(f.rightEye.x);
    expect(f.box.x + f.box.width).toBeGreaterThan(f.leftEye.x);
    expect(f.box.y + f.box.height).toBeGreaterThan(f.mouth.y);
  });

  it('maps landmarks back through the letterbox: a tall image with the face low, and a 3× larger copy', async () => {
    const tall = await rgbOf(sharp(ASTRONAUT).extend({ top: 700, bottom: 100, left: 0, right: 0, background: { r: 100, g: 197, b: 255 } }));
    const [f] = await detector.detect(tall.data, tall.width, tall.height);
    expect(f).toBeDefined();
    expect(Math.abs(f!.rightEye.x - RIGHT_EYE.x)).toBeLessThan(6);
    expect(Math.abs(f!.rightEye.y - (RIGHT_EYE.y + 700))).toBeLessThan(6);

    const big = await rgbOf(sharp(ASTRONAUT).resize(1536));
    const [g] = await detector.detect(big.data, big.width, big.height);
    expect(Math.abs(g!.leftEye.x - LEFT_EYE.x * 3)).toBeLessThan(15);
    expect(Math.abs(g!.leftEye.y - LEFT_EYE.y * 3)).toBeLessThan(15);
  });

  it.each([12, -10, 5])('measures a head rolled by %i° from the eye line (within 3.5°; the astronaut herself leans about 1°)', async (deg) => {
    const img = await rgbOf(sharp(ASTRONAUT).rotate(deg, { background: { r: 128, g: 128, b: 128 } }));
    const [f] = await detector.detect(img.data, img.width, img.height);
    expect(f).toBeDefined();
    // sharp rotates clockwise for a positive angle; the roll is positive when the head leans clockwise.
    expect(rollDegrees(f!.rightEye, f!.leftEye)).toBeGreaterThan(deg + 1 - 3.5);
    expect(rollDegrees(f!.rightEye, f!.leftEye)).toBeLessThan(deg + 1 + 3.5);
  });

  it('finds no face on a plain background, nor in a picture of a building', async () => {
    const blue = await rgbOf(sharp({ create: { width: 600, height: 800, channels: 3, background: { r: 100, g: 197, b: 255 } } }));
    expect(await detector.detect(blue.data, blue.width, blue.height)).toEqual([]);
    const building = await rgbOf(sharp('/usr/share/doc/opencv-doc/examples/data/building.jpg'));
    expect(await detector.detect(building.data, building.width, building.height)).toEqual([]);
  });

  // Issue 8 finding 12: BlazeFace gives a cup and saucer up to 0.8 with landmarks that no face has (the
  // "eyes" 30–55° off level, the "ears" above the eyes). Sizes and heights where a head would be, on the F3 blue.
  it.each([0.4, 0.5, 0.6, 0.7, 0.8, 0.9])('does not take a cup and saucer %f of the frame wide for a face (no person: C2)', async (fraction) => {
    const cut = await cutOutCup();
    const W = 384;
    const H = 512;
    for (const cy of [0.3, 0.4, 0.45, 0.5, 0.6]) {
      const w = Math.round(W * fraction);
      const h = Math.round((w * 400) / 600);
      const cup = await sharp(cut).resize(w, h).png().toBuffer();
      const img = await rgbOf(
        sharp({ create: { width: W, height: H, channels: 3, background: { r: 100, g: 197, b: 255 } } }).composite([{ input: cup, left: Math.round((W - w) / 2), top: Math.round(H * cy - h / 2) }]),
      );
      expect(await detector.detect(img.data, W, H), `cup centred at ${cy} of the height`).toEqual([]);
    }
  });

  it.each([20, -20])('still finds a real face rolled %i° (the landmark rules leave the pose check a tilted head to report)', async (deg) => {
    const img = await rgbOf(sharp(ASTRONAUT).rotate(deg, { background: { r: 100, g: 197, b: 255 } }));
    const faces = await detector.detect(img.data, img.width, img.height);
    expect(faces).toHaveLength(1);
    expect(faces[0]!.score).toBeGreaterThanOrEqual(DEFAULT_MIN_SCORE);
    expect(Math.abs(rollDegrees(faces[0]!.rightEye, faces[0]!.leftEye) - deg)).toBeLessThan(5);
  });

  it('counts two faces side by side', async () => {
    const one = await sharp(ASTRONAUT).extract({ left: 100, top: 0, width: 256, height: 320 }).toBuffer();
    const two = await rgbOf(
      sharp({ create: { width: 640, height: 400, channels: 3, background: { r: 100, g: 197, b: 255 } } }).composite([
        { input: one, left: 40, top: 40 },
        { input: one, left: 344, top: 40 },
      ]),
    );
    const faces = await detector.detect(two.data, two.width, two.height);
    expect(faces).toHaveLength(2);
    const xs = faces.map((f) => f.nose.x).sort((a, b) => a - b);
    expect(xs[0]).toBeLessThan(320);
    expect(xs[1]).toBeGreaterThan(320);
  });

  it('finds the footballer in opencv-doc messi5.jpg (a real JPEG, small face, busy background)', async () => {
    const img = await rgbOf(sharp('/usr/share/doc/opencv-doc/examples/data/messi5.jpg'));
    const faces = await detector.detect(img.data, img.width, img.height);
    expect(faces.length).toBeGreaterThanOrEqual(1);
    // His face is around (245, 110) in the 548 × 342 picture.
    expect(Math.abs(faces[0]!.nose.x - 245)).toBeLessThan(15);
    expect(Math.abs(faces[0]!.nose.y - 112)).toBeLessThan(15);
  });

  it('refuses a buffer shorter than width × height × 3', async () => {
    await expect(detector.detect(Buffer.alloc(10), 10, 10)).rejects.toThrow(RangeError);
  });
});
