// The photo standard's pure rules (F1–F4, C2 of docs/rules/campaign-rules.md), table by table: colour distance, pose from
// landmarks, where the 480 × 640 crop goes (F2), and how measured numbers become pass / warn / fail.
import { describe, expect, it } from 'vitest';
import type { CheckStatus, CropInput, FaceCandidate, FaceCandidateProblem, FaceLandmarks, Lab, Point } from './photo-standard.js';
import {
  assessFaceCandidate,
  checkBackground,
  checkExposure,
  checkFaces,
  checkFormat,
  checkGeometry,
  checkPose,
  checkSharpness,
  checksWithoutFace,
  wasMeasured,
  deltaE2000,
  deltaE76,
  FACE_CANDIDATE_LIMITS,
  faceWidthOf,
  mapToOutput,
  PHOTO_STANDARD,
  planStandardCrop,
  REFERENCE_BACKGROUND_LAB,
  SHARPNESS_LIMITS,
  rollDegrees,
  rotatePoint,
  srgbToLab,
  summarisePhotoChecks,
  yawDegrees,
} from './photo-standard.js';

describe('colour (F3: distance to RGB(100, 197, 255) in CIELAB)', () => {
  it.each([
    [255, 255, 255, { L: 100, a: 0, b: 0 }],
    [0, 0, 0, { L: 0, a: 0, b: 0 }],
    [100, 197, 255, { L: 75.98, a: -11.85, b: -37.06 }], // worked by hand from the sRGB and CIELAB (D65) formulas
  ])('RGB(%i, %i, %i) → Lab', (r, g, b, lab) => {
    const got = srgbToLab(r, g, b);
    expect(got.L).toBeCloseTo(lab.L, 0);
    expect(got.a).toBeCloseTo(lab.a, 0);
    expect(got.b).toBeCloseTo(lab.b, 0);
  });

  // Test pairs 1, 7, 14, 19 and 25 of Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula".
  it.each<[Lab, Lab, number]>([
    [{ L: 50, a: 2.6772, b: -79.7751 }, { L: 50, a: 0, b: -82.7485 }, 2.0425],
    [{ L: 50, a: 0, b: 0 }, { L: 50, a: -1, b: 2 }, 2.3669],
    [{ L: 50, a: 2.5, b: 0 }, { L: 56, a: -27, b: -3 }, 31.903],
    [{ L: 50, a: 2.5, b: 0 }, { L: 50, a: 0, b: -2.5 }, 4.3065],
    [{ L: 60.2574, a: -34.0099, b: 36.2677 }, { L: 60.4626, a: -34.1751, b: 39.4387 }, 1.2644],
  ])('ΔE2000 %o %o = %f', (p, q, expected) => {
    expect(deltaE2000(p, q)).toBeCloseTo(expected, 3);
    expect(deltaE2000(q, p)).toBeCloseTo(expected, 3);
  });

  it('ΔE76 is the Euclidean distance, and the reference is 0 from itself', () => {
    expect(deltaE76({ L: 0, a: 3, b: 4 }, { L: 0, a: 0, b: 0 })).toBe(5);
    expect(deltaE2000(REFERENCE_BACKGROUND_LAB, srgbToLab(100, 197, 255))).toBe(0);
    // A mid grey wall is far from the standard's light blue; a slightly different blue is close.
    expect(deltaE2000(srgbToLab(160, 160, 160), REFERENCE_BACKGROUND_LAB)).toBeGreaterThan(20);
    expect(deltaE2000(srgbToLab(95, 190, 250), REFERENCE_BACKGROUND_LAB)).toBeLessThan(3);
  });
});

/** A frontal face: eyes 0.46 × face width apart, ears at ± width/2, nose below the eye midpoint. */
function face(cx: number, eyeY: number, width: number, rollDeg = 0, noseShift = 0): FaceLandmarks {
  const c = { x: cx, y: eyeY };
  const r = (x: number, y: number) => rotatePoint({ x: cx + x, y: eyeY + y }, c, rollDeg);
  return {
    rightEye: r(-0.23 * width, 0),
    leftEye: r(0.23 * width, 0),
    nose: r(noseShift, 0.3 * width),
    mouth: r(0, 0.55 * width),
    rightEar: r(-0.5 * width, 0.1 * width),
    leftEar: r(0.5 * width, 0.1 * width),
  };
}

describe('pose from landmarks (F2 level, F4/C2 frontal)', () => {
  it.each([0, 5, -5, 15, -20])('roll of a face tilted %i° is measured from the eye line', (deg) => {
    const f = face(500, 400, 300, deg);
    expect(rollDegrees(f.rightEye, f.leftEye)).toBeCloseTo(deg, 6);
    expect(faceWidthOf(f)).toBeCloseTo(Math.hypot(300, 0), 6);
  });

  it.each([
    [0, 0],
    [0.15, 13], // nose 15 % of the face width towards the image's right: atan(0.3 / 1.3)
    [-0.3, -24.8],
  ])('yaw: nose shifted by %f face widths → about %f°', (shift, yaw) => {
    const f = face(500, 400, 300, 0, shift * 300);
    expect(yawDegrees(f)).toBeCloseTo(yaw, 0);
    // Roll does not change the yaw estimate (measured along the eye line).
    expect(yawDegrees(face(500, 400, 300, 7, shift * 300))).toBeCloseTo(yaw, 0);
  });
});

describe('assessFaceCandidate (C2: a face, not an object that a detector takes for one; issue 8 finding 12)', () => {
  // BlazeFace on skimage's astronaut.png (512 × 512), as createFaceDetector returns it.
  const astronaut: FaceCandidate = {
    score: 0.88,
    box: { x: 172, y: 72, width: 107, height: 107 },
    rightEye: { x: 202, y: 102 },
    leftEye: { x: 247, y: 102 },
    nose: { x: 224, y: 129 },
    mouth: { x: 224, y: 151 },
    rightEar: { x: 180, y: 111 },
    leftEar: { x: 271, y: 112 },
  };
  // BlazeFace on the cup and saucer of test fixture fault-cup-no-person.jpg (384 × 512 copy), before the fix
  // reported as the one face of the picture; and a larger cup that scored 0.81.
  const cup: FaceCandidate = {
    score: 0.68,
    box: { x: 141, y: 188, width: 70, height: 70 },
    rightEye: { x: 166, y: 211 },
    leftEye: { x: 185, y: 226 },
    nose: { x: 162, y: 233 },
    mouth: { x: 157, y: 241 },
    rightEar: { x: 163, y: 200 },
    leftEar: { x: 205, y: 231 },
  };
  const cupScoring081: FaceCandidate = {
    score: 0.81,
    box: { x: 115, y: 217, width: 53, height: 53 },
    rightEye: { x: 133, y: 235 },
    leftEye: { x: 148, y: 244 },
    nose: { x: 131, y: 253 },
    mouth: { x: 129, y: 258 },
    rightEar: { x: 130, y: 227 },
    leftEar: { x: 162, y: 245 },
  };
  /** The astronaut with every landmark (and the box's centre) rolled by `deg` about the eyes' midpoint. */
  const rolled = (deg: number): FaceCandidate => {
    const c = { x: 224.5, y: 102 };
    const r = (p: Point) => rotatePoint(p, c, deg);
    return { ...astronaut, rightEye: r(astronaut.rightEye), leftEye: r(astronaut.leftEye), nose: r(astronaut.nose), mouth: r(astronaut.mouth), rightEar: r(astronaut.rightEar), leftEar: r(astronaut.leftEar) };
  };

  it('a real face is a face; so is one rolled 20° (the pose check reports it, it does not vanish)', () => {
    expect(assessFaceCandidate(astronaut)).toEqual([]);
    expect(assessFaceCandidate(rolled(20))).toEqual([]);
    expect(assessFaceCandidate(rolled(-20))).toEqual([]);
  });

  it('the cup of the fixture: low score, "eyes" 38° off level, "ears" above the "eyes"', () => {
    expect(assessFaceCandidate(cup)).toEqual(['low_score', 'eyes_not_level', 'ears_misplaced']);
    // Scoring above the minimum does not make it a face: its landmarks alone refuse it.
    expect(assessFaceCandidate(cupScoring081)).toEqual(['eyes_not_level', 'nose_not_below_eyes', 'ears_misplaced']);
  });

  it.each<[string, Partial<FaceCandidate>, FaceCandidateProblem[]]>([
    ['score below the minimum', { score: FACE_CANDIDATE_LIMITS.minScore - 0.01 }, ['low_score']],
    ['eyes 30° off level', rolled(30), ['eyes_not_level']],
    ['eyes a fifth of the box apart', { box: { x: 100, y: 40, width: 230, height: 230 } }, ['eye_distance']],
    ['eyes 0.7 of the box apart', { box: { x: 195, y: 72, width: 64, height: 107 } }, ['eye_distance']],
    ['nose under the right eye', { nose: { x: 198, y: 129 } }, ['nose_not_between_eyes']],
    ['nose level with the eyes', { nose: { x: 224, y: 104 } }, ['nose_not_below_eyes']],
    ['nose far below the eyes, under the mouth', { nose: { x: 224, y: 160 } }, ['nose_not_below_eyes', 'mouth_not_below_nose']],
    ['mouth above the nose', { mouth: { x: 224, y: 120 } }, ['mouth_not_below_nose']],
    ['mouth beside the face', { mouth: { x: 260, y: 151 } }, ['mouth_not_below_nose']],
    ['both ears on one side', { rightEar: { x: 230, y: 111 } }, ['ears_misplaced']],
    ['ears above the eyes', { rightEar: { x: 180, y: 88 }, leftEar: { x: 271, y: 88 } }, ['ears_misplaced']],
    ['landmarks outside the box', { box: { x: 172, y: 130, width: 107, height: 107 } }, ['landmarks_outside_box']],
  ])('%s → %o', (_name, change, problems) => {
    expect(assessFaceCandidate({ ...astronaut, ...change })).toEqual(problems);
  });

  it('takes the detector’s own minimum score when given one', () => {
    expect(assessFaceCandidate({ ...astronaut, score: 0.5 }, 0.4)).toEqual([]);
    expect(assessFaceCandidate({ ...astronaut, score: 0.5 })).toEqual(['low_score']);
  });

  it('a degenerate candidate (both eyes on one point) is refused, not divided by zero', () => {
    expect(assessFaceCandidate({ ...astronaut, leftEye: astronaut.rightEye })).toContain('eye_distance');
  });
});

describe('planStandardCrop (F2: eyes 200–300, face width 180–300, hair top 50–110, centred, level)', () => {
  const base: CropInput = {
    imageWidth: 1600,
    imageHeight: 1200,
    sourcePxPerImagePx: 2.5,
    face: face(800, 500, 300),
    hairTop: { x: 800, y: 300 },
  };

  it('a well-framed face lands in the middle of every range', () => {
    const plan = planStandardCrop(base)!;
    expect(plan.angle).toBe(0);
    const { eyeY, faceWidth, hairTop, offsetX, upscale } = plan.predicted;
    expect(eyeY).toBeGreaterThanOrEqual(230);
    expect(eyeY).toBeLessThanOrEqual(270);
    expect(faceWidth).toBeGreaterThanOrEqual(210);
    expect(faceWidth).toBeLessThanOrEqual(270);
    expect(hairTop).toBeGreaterThanOrEqual(60);
    expect(hairTop).toBeLessThanOrEqual(100);
    expect(offsetX).toBe(0);
    expect(upscale).toBeLessThan(1);
    // The predictions are what mapToOutput gives for the landmarks.
    const re = mapToOutput(plan, base.face.rightEye);
    const le = mapToOutput(plan, base.face.leftEye);
    expect((re.y + le.y) / 2).toBeCloseTo(eyeY, 6);
    expect(mapToOutput(plan, base.hairTop!).y).toBeCloseTo(hairTop!, 6);
    expect((mapToOutput(plan, base.face.rightEar).x + mapToOutput(plan, base.face.leftEar).x) / 2).toBeCloseTo(240, 6);
  });

  it.each([3, -6, 8])('a roll of %i° (≤ 8°) is levelled: both eyes at the same height in the output', (deg) => {
    const plan = planStandardCrop({ ...base, face: face(800, 500, 300, deg) })!;
    expect(plan.angle).toBeCloseTo(-deg, 6);
    const f = face(800, 500, 300, deg);
    expect(mapToOutput(plan, f.rightEye).y).toBeCloseTo(mapToOutput(plan, f.leftEye).y, 6);
  });

  it('a roll of 15° is not corrected (the pose check reports it instead of hiding it)', () => {
    const plan = planStandardCrop({ ...base, face: face(800, 500, 300, 15) })!;
    expect(plan.angle).toBe(0);
  });

  it('a face near the left edge cannot be centred: the frame is shifted and the offset reported', () => {
    const plan = planStandardCrop({ ...base, face: face(150, 500, 300), hairTop: { x: 150, y: 300 } })!;
    expect(plan.rect.left).toBeGreaterThanOrEqual(-0.5);
    expect(plan.predicted.offsetX).toBeLessThan(-PHOTO_STANDARD.maxOffsetX);
  });

  it('a face only 150 camera px wide is not upscaled: the plan keeps it under 180 px (geometry then fails)', () => {
    const plan = planStandardCrop({ ...base, sourcePxPerImagePx: 1, face: face(800, 500, 150), hairTop: { x: 800, y: 380 } })!;
    expect(plan.predicted.upscale).toBeLessThanOrEqual(PHOTO_STANDARD.maxUpscale);
    expect(plan.predicted.faceWidth).toBeLessThan(PHOTO_STANDARD.faceWidth.min);
  });

  it('hair touching the top edge: no hair top to place (head cut off)', () => {
    const plan = planStandardCrop({ ...base, face: face(800, 300, 300), hairTop: null })!;
    expect(plan.predicted.hairTop).toBeNull();
    expect(plan.rect.top).toBeGreaterThanOrEqual(-0.5);
  });

  it('no 480 × 640 frame fits in a tiny image around a huge face: null', () => {
    expect(planStandardCrop({ ...base, imageWidth: 400, imageHeight: 300, face: face(200, 150, 390), hairTop: null })).toBeNull();
  });
});

describe('checks: measured numbers → pass / warn / fail', () => {
  const goodFormat = { width: 480, height: 640, channels: 3, dpi: 300, quality: 85, bytes: 30_000, metadataStripped: true };
  it.each<[string, Partial<typeof goodFormat>, CheckStatus, string]>([
    ['the standard file', {}, 'pass', '300 dpi'],
    ['a 600 × 800 file', { width: 600, height: 800 }, 'fail', '600 × 800'],
    ['72 dpi', { dpi: 72 }, 'fail', '72 dpi'],
    ['quality 50', { quality: 50 }, 'fail', 'quality 50'],
    ['one channel (greyscale)', { channels: 1 }, 'fail', '1 colour channels'],
    ['EXIF left in', { metadataStripped: false }, 'fail', 'EXIF'],
    ['55 KB (bigger than "roughly 40 KB")', { bytes: 55 * 1024 }, 'warn', '55 KB'],
    ['12 KB', { bytes: 12 * 1024 }, 'warn', '12 KB'],
  ])('format (F1): %s → %s', (_name, change, status, words) => {
    const c = checkFormat({ ...goodFormat, ...change });
    expect(c.status).toBe(status);
    expect(c.message.en).toContain(words);
    expect(c.message.zh.length).toBeGreaterThan(0);
  });

  const goodGeometry = { cropPossible: true, eyeY: 250, faceWidth: 240, hairTop: 80 as number | null, offsetX: 0, upscale: 0.5, cameraFaceWidth: 480 };
  it.each<[string, Partial<typeof goodGeometry>, CheckStatus, string]>([
    ['all in range', {}, 'pass', 'eyes at 250 px'],
    ['edges of the ranges', { eyeY: 200, faceWidth: 300, hairTop: 110, offsetX: 24 }, 'pass', 'centred'],
    ['eyes at 190', { eyeY: 190 }, 'fail', 'eyes are 190 px'],
    ['eyes at 310', { eyeY: 310 }, 'fail', 'eyes are 310 px'],
    ['face 170 wide', { faceWidth: 170 }, 'fail', 'face width is 170 px'],
    ['face 320 wide', { faceWidth: 320 }, 'fail', 'face width is 320 px'],
    ['hair at 40', { hairTop: 40 }, 'fail', 'top of hair is 40 px'],
    ['hair at 120', { hairTop: 120 }, 'fail', 'top of hair is 120 px'],
    ['head cut off', { hairTop: null }, 'fail', 'head cut off'],
    ['off centre to the left', { offsetX: -60 }, 'fail', 'too close to the left edge'],
    ['off centre to the right', { offsetX: 60 }, 'fail', 'too close to the right edge'],
    ['face too small (would need 1.3× upscaling)', { upscale: 1.3, cameraFaceWidth: 185 }, 'fail', 'face too small in the camera image (185 px wide, at least 180 px'],
    ['face 170 px wide in the camera image, cropped without upscaling to 170', { faceWidth: 170, upscale: 1, cameraFaceWidth: 170 }, 'fail', 'face too small in the camera image (170 px'],
    ['no frame fits', { cropPossible: false }, 'fail', 'No 480 × 640 frame fits'],
  ])('geometry (F2): %s → %s', (_name, change, status, words) => {
    const c = checkGeometry({ ...goodGeometry, ...change });
    expect(c.status).toBe(status);
    expect(c.message.en).toContain(words);
    expect(c.message.zh.length).toBeGreaterThan(0);
  });

  const blue = { meanLab: srgbToLab(100, 197, 255), meanRgb: { r: 100, g: 197, b: 255 }, spread: 1, gradient: 1, samples: 5000 };
  it.each<[string, Partial<typeof blue>, CheckStatus, string]>([
    ['the reference blue', {}, 'pass', 'uniform'],
    ['a slightly different blue', { meanLab: srgbToLab(90, 185, 245), meanRgb: { r: 90, g: 185, b: 245 } }, 'pass', 'RGB(90, 185, 245)'],
    ['a grey wall', { meanLab: srgbToLab(160, 160, 160), meanRgb: { r: 160, g: 160, b: 160 } }, 'fail', 'RGB(160, 160, 160) is ΔE'],
    ['a white wall', { meanLab: srgbToLab(240, 240, 240), meanRgb: { r: 240, g: 240, b: 240 } }, 'fail', 'from the reference light blue'],
    ['clutter (spread 9)', { spread: 9 }, 'warn', 'not uniform'],
    ['objects (spread 20)', { spread: 20 }, 'fail', 'not uniform'],
    ['a shadow on one side (regions differ by 14)', { gradient: 14 }, 'fail', 'gradient or shadow'],
    ['nothing sampled', { samples: 0 }, 'fail', 'No background'],
  ])('background (F3): %s → %s', (_name, change, status, words) => {
    const c = checkBackground({ ...blue, ...change });
    expect(c.status).toBe(status);
    expect(c.message.en).toContain(words);
  });

  const lit = { meanLuma: 150, highlights: 0.001, shadows: 0, contrast: 35 };
  it.each<[string, Partial<typeof lit>, CheckStatus, string]>([
    ['a normal face', {}, 'pass', 'exposure fine'],
    ['dark (mean 70)', { meanLuma: 70 }, 'warn', 'under-exposed'],
    ['under-exposed (mean 40)', { meanLuma: 40 }, 'fail', 'under-exposed'],
    ['over-exposed (mean 235)', { meanLuma: 235 }, 'fail', 'over-exposed'],
    ['blown highlights (15 %)', { highlights: 0.15 }, 'fail', 'blown out'],
    ['crushed shadows (5 %)', { shadows: 0.05 }, 'warn', 'crushed'],
    ['flat (contrast 8)', { contrast: 8 }, 'fail', 'contrast too low'],
  ])('exposure: %s → %s', (_name, change, status, words) => {
    const c = checkExposure({ ...lit, ...change });
    expect(c.status).toBe(status);
    expect(c.message.en).toContain(words);
  });

  it.each<[string, number, number, CheckStatus, string]>([
    ['a face in focus', 50, 40 ** 2, 'pass', 'in focus'],
    ['the same face darker (both spreads scale with the light)', 50 / 16, 10 ** 2, 'pass', 'in focus'],
    ['just above the warning limit', (1.01 * SHARPNESS_LIMITS.warn * 30) ** 2, 30 ** 2, 'pass', 'in focus'],
    ['just below it', (0.99 * SHARPNESS_LIMITS.warn * 30) ** 2, 30 ** 2, 'warn', 'may be soft'],
    ['out of focus', 2.5, 20 ** 2, 'fail', 'blurred'],
    ['a flat grey square', 0, 0, 'fail', 'blurred'],
  ])('sharpness: %s (variance of Laplacian %f, of luma %f) → %s', (_name, laplacianVariance, lumaVariance, status, words) => {
    const c = checkSharpness({ laplacianVariance, lumaVariance });
    expect(c.status).toBe(status);
    expect(c.message.en).toContain(words);
  });

  it.each<[number, CheckStatus, string]>([
    [1, 'pass', 'one face'],
    [0, 'fail', 'no face'],
    [2, 'fail', '2 faces'],
    [3, 'fail', '3 faces'],
  ])('faces (C2): %i → %s', (n, status, words) => {
    const c = checkFaces(n);
    expect(c.status).toBe(status);
    expect(c.message.en).toContain(words);
  });

  it.each<[number, number, CheckStatus, string]>([
    [0, 0, 'pass', 'frontal and level'],
    [3, -5, 'pass', 'frontal and level'],
    [6, 0, 'warn', 'levelled automatically'],
    [-8, 0, 'warn', 'levelled automatically'],
    [15, 0, 'fail', 'head tilted 15°'],
    [-12, 0, 'fail', 'not corrected'],
    [0, 14, 'warn', 'head turned'],
    [0, -25, 'fail', 'head turned'],
  ])('pose: roll %f°, yaw %f° → %s', (roll, yaw, status, words) => {
    const c = checkPose({ roll, yaw });
    expect(c.status).toBe(status);
    expect(c.message.en).toContain(words);
  });
});

describe('summarisePhotoChecks', () => {
  it('accepted only when no check fails; warnings do not block; fixed order', () => {
    const ok = summarisePhotoChecks([checkPose({ roll: 6, yaw: 0 }), checkFaces(1)]);
    expect(ok.accepted).toBe(true);
    expect(ok.checks.map((c) => c.id)).toEqual(['faces', 'pose']);
    expect(summarisePhotoChecks([checkFaces(2), checkPose({ roll: 0, yaw: 0 })]).accepted).toBe(false);
  });

  it('no face: every check present, not accepted, the faces check says why', () => {
    const r = checksWithoutFace(0);
    expect(r.accepted).toBe(false);
    expect(r.checks.map((c) => c.id)).toEqual(['format', 'geometry', 'background', 'exposure', 'sharpness', 'faces', 'pose']);
    expect(r.checks.find((c) => c.id === 'faces')!.message.en).toContain('no face');
    expect(r.checks.find((c) => c.id === 'background')!.message).toEqual({ zh: '未检查：没有检测到人脸', en: 'not checked: there is no face' });
  });

  it('no face: only the face count was measured; the checks that could not be run say so (L4)', () => {
    const r = checksWithoutFace(0);
    expect(r.checks.filter((c) => wasMeasured(c)).map((c) => c.id)).toEqual(['faces']);
    expect(r.checks.filter((c) => !wasMeasured(c)).every((c) => c.status === 'fail' && c.measured === false)).toBe(true);
    // a report stored before `measured` existed is read by its message
    const legacy = { id: 'exposure', status: 'fail', value: null, threshold: null, message: { zh: '未检查：没有检测到人脸', en: 'not checked: there is no face' } } as const;
    expect(wasMeasured(legacy)).toBe(false);
    expect(wasMeasured(checkFaces(0))).toBe(true);
  });
});
