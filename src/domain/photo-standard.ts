// The national photo standard (F1–F4 of docs/rules/campaign-rules.md) as pure rules: where the 480 × 640 crop goes
// (F2), and how measured numbers become the checks report shown to the photographer (F1–F4, C2).
// No I/O and no image library here: the adapter (src/adapters/photo-analysis.ts) measures pixels and
// calls these functions with plain numbers. Thresholds and their reasons: docs/decisions/0005-photo-analysis.md.

export type CheckId = 'format' | 'geometry' | 'background' | 'exposure' | 'sharpness' | 'faces' | 'pose';
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface PhotoCheck {
  id: CheckId;
  status: CheckStatus;
  /** What was measured (JSON: a number, a string or an object of numbers). */
  value: unknown;
  /** What it was compared with (JSON). */
  threshold: unknown;
  message: { zh: string; en: string };
  /** false: the check could not be run (no face to measure on); it counts as failed. Absent: it was run. */
  measured?: false;
}

/** accepted = no check failed (warnings are shown but do not block confirmation). */
export interface PhotoChecks {
  checks: PhotoCheck[];
  accepted: boolean;
}

export interface Point {
  x: number;
  y: number;
}

/** F1 and F2 as numbers. Sizes in pixels of the 480 × 640 frame. */
export const PHOTO_STANDARD = {
  width: 480,
  height: 640,
  dpi: 300,
  channels: 3,
  minQuality: 60,
  /** "roughly 20–40 KB" (KB = 1024 bytes): outside is a warning, not a failure. */
  bytes: { min: 20 * 1024, max: 40 * 1024 },
  eyeLine: { min: 200, max: 300, target: 250 },
  faceWidth: { min: 180, max: 300, target: 240 },
  hairTop: { min: 50, max: 110, target: 80 },
  /** "centred": the face centre may be this far from the frame's vertical mid-line. */
  maxOffsetX: 24,
  /**
   * Output pixels per camera pixel at most: the standard photo is cut from real pixels, never invented ones.
   * So the face must be at least 180 px wide in the camera image (a 12 MP frame: 6 % of its width).
   */
  maxUpscale: 1,
  /** F3 reference background colour. */
  background: { r: 100, g: 197, b: 255 },
} as const;

/** Pose limits in degrees. Roll up to `correctableRoll` is levelled by the crop (F2 "level"). */
export const POSE_LIMITS = { rollWarn: 4, correctableRoll: 8, yawWarn: 10, yawFail: 20 } as const;

export const BACKGROUND_LIMITS = {
  /** Mean colour's CIEDE2000 distance to RGB(100,197,255). */
  deltaE: { warn: 10, fail: 20 },
  /** Spread of the background pixels: 90th percentile of their CIE76 distance to their own mean. */
  spread: { warn: 8, fail: 15 },
  /** Largest CIEDE2000 distance between the median colours of the top band and the two side bands (gradient, shadow). */
  gradient: { warn: 6, fail: 12 },
} as const;

export const EXPOSURE_LIMITS = {
  /** Mean luma (Rec. 601, 0–255) of the face's inner region. */
  meanLuma: { failLow: 60, warnLow: 80, warnHigh: 205, failHigh: 225 },
  /** Fraction of face pixels at ≥ 250 (highlights) or ≤ 8 (shadows). */
  clipped: { warn: 0.02, fail: 0.08 },
  /** Standard deviation of luma in the face region: a flat, washed-out face is below this. */
  contrast: { fail: 10, warn: 18 },
} as const;

/** std(Laplacian) / std(luma) of the face region in the 480 × 640 output (see checkSharpness). */
export const SHARPNESS_LIMITS = { fail: 0.11, warn: 0.14 } as const;

// ---------------------------------------------------------------- colour

/** sRGB (0–255) → CIELAB (D65, 2° observer). */
export function srgbToLab(r: number, g: number, b: number): { L: number; a: number; b: number } {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const R = lin(r);
  const G = lin(g);
  const B = lin(b);
  const X = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const Z = (0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f(X);
  const fy = f(Y);
  const fz = f(Z);
  return { L: 116 * fy - 16, a: 500 * (fx - fy), b: 200 * (fy - fz) };
}

export interface Lab {
  L: number;
  a: number;
  b: number;
}

/** CIE76: Euclidean distance in CIELAB. */
export function deltaE76(p: Lab, q: Lab): number {
  return Math.hypot(p.L - q.L, p.a - q.a, p.b - q.b);
}

/** CIEDE2000 (Sharma, Wu, Dalal 2005), kL = kC = kH = 1. */
export function deltaE2000(p: Lab, q: Lab): number {
  const rad = Math.PI / 180;
  const C1 = Math.hypot(p.a, p.b);
  const C2 = Math.hypot(q.a, q.b);
  const Cm = (C1 + C2) / 2;
  const G = 0.5 * (1 - Math.sqrt(Cm ** 7 / (Cm ** 7 + 25 ** 7)));
  const a1 = (1 + G) * p.a;
  const a2 = (1 + G) * q.a;
  const c1 = Math.hypot(a1, p.b);
  const c2 = Math.hypot(a2, q.b);
  const hue = (b: number, a: number) => {
    if (a === 0 && b === 0) return 0;
    const h = Math.atan2(b, a) / rad;
    return h < 0 ? h + 360 : h;
  };
  const h1 = hue(p.b, a1);
  const h2 = hue(q.b, a2);
  const dL = q.L - p.L;
  const dC = c2 - c1;
  let dh = 0;
  if (c1 * c2 !== 0) {
    dh = h2 - h1;
    if (dh > 180) dh -= 360;
    else if (dh < -180) dh += 360;
  }
  const dH = 2 * Math.sqrt(c1 * c2) * Math.sin((dh / 2) * rad);
  const Lm = (p.L + q.L) / 2;
  const cm = (c1 + c2) / 2;
  let hm = h1 + h2;
  if (c1 * c2 !== 0) {
    if (Math.abs(h1 - h2) > 180) hm = h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
    else hm = (h1 + h2) / 2;
  }
  const T = 1 - 0.17 * Math.cos((hm - 30) * rad) + 0.24 * Math.cos(2 * hm * rad) + 0.32 * Math.cos((3 * hm + 6) * rad) - 0.2 * Math.cos((4 * hm - 63) * rad);
  const dTheta = 30 * Math.exp(-(((hm - 275) / 25) ** 2));
  const Rc = 2 * Math.sqrt(cm ** 7 / (cm ** 7 + 25 ** 7));
  const Sl = 1 + (0.015 * (Lm - 50) ** 2) / Math.sqrt(20 + (Lm - 50) ** 2);
  const Sc = 1 + 0.045 * cm;
  const Sh = 1 + 0.015 * cm * T;
  const Rt = -Math.sin(2 * dTheta * rad) * Rc;
  return Math.sqrt((dL / Sl) ** 2 + (dC / Sc) ** 2 + (dH / Sh) ** 2 + Rt * (dC / Sc) * (dH / Sh));
}

export const REFERENCE_BACKGROUND_LAB: Lab = srgbToLab(PHOTO_STANDARD.background.r, PHOTO_STANDARD.background.g, PHOTO_STANDARD.background.b);

// ---------------------------------------------------------------- pose

/** Landmarks as BlazeFace gives them: "right" is the subject's right, on the image's left. */
export interface FaceLandmarks {
  rightEye: Point;
  leftEye: Point;
  nose: Point;
  mouth: Point;
  rightEar: Point;
  leftEar: Point;
}

/** Roll of the eye line in degrees; positive when the subject's left eye (image right) is lower, i.e. the head leans clockwise. */
export function rollDegrees(rightEye: Point, leftEye: Point): number {
  return (Math.atan2(leftEye.y - rightEye.y, leftEye.x - rightEye.x) * 180) / Math.PI;
}

/**
 * Yaw estimate in degrees (positive: nose towards the image's right). The nose tip stands about 1.3
 * half-ear-distances in front of the line through the ears (adult head: tragion to nose tip ≈ 95 mm,
 * half the bitragion breadth ≈ 72 mm), so its sideways offset from the ears' midpoint, along the eye
 * line, is ≈ 1.3 · half-distance · tan(yaw). An estimate for "look straight at the camera", not a measurement.
 */
export function yawDegrees(f: FaceLandmarks): number {
  const roll = (rollDegrees(f.rightEye, f.leftEye) * Math.PI) / 180;
  const ux = Math.cos(roll);
  const uy = Math.sin(roll);
  const along = (p: Point) => p.x * ux + p.y * uy;
  const earMid = (along(f.rightEar) + along(f.leftEar)) / 2;
  const half = Math.abs(along(f.leftEar) - along(f.rightEar)) / 2;
  if (half === 0) return 0;
  return (Math.atan((along(f.nose) - earMid) / (1.3 * half)) * 180) / Math.PI;
}

// ---------------------------------------------------------------- is it a face at all? (C2, issue 8 finding 12)

/** A detector's candidate: its landmarks, its box (same pixels) and its score (0–1). */
export interface FaceCandidate extends FaceLandmarks {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}

/**
 * What a candidate must look like to count as a face. Lengths are in eye distances, measured in the frame
 * of the eye line (roll removed), from the eyes' midpoint, x towards the subject's left eye, y down. The
 * real faces seen (the fixtures, astronaut.png, messi5.jpg, OpenCV's documentation portraits) sit well
 * inside every range; a cup and saucer on the blue scored up to 0.79 with its "eyes" 30–55° off level.
 * Calibration: docs/decisions/0005-photo-analysis.md.
 */
export const FACE_CANDIDATE_LIMITS = {
  /** Detector score. Real faces 0.84–0.97; objects seen up to 0.80. */
  minScore: 0.75,
  /** Eyes roughly level: a head rolled further is not an ID-photo pose, and objects land at 30–55°. */
  maxRollDegrees: 25,
  /** Eye distance as a fraction of the box width. Real 0.36–0.44. */
  eyeDistanceOfBox: { min: 0.3, max: 0.6 },
  /** Nose tip: between the eyes (|x| ≤ 0.5 puts it between the pupils) and below them. Real x −0.23…0.34, y 0.55–0.74. */
  noseX: { max: 0.5 },
  noseY: { min: 0.3, max: 0.9 },
  /** Mouth: below the nose, not far below the eyes. Real: 0.42–0.55 below the nose, 1.07–1.2 below the eyes. */
  mouthBelowNose: { min: 0.2 },
  mouthY: { max: 1.6 },
  mouthX: { max: 0.5 },
  /** Ears (tragion): one on each side of the face's middle, not above the eyes. Real ear height 0.07–0.3. */
  earOutside: { min: 0.25 },
  earY: { min: -0.2, max: 0.8 },
} as const;

export type FaceCandidateProblem =
  | 'low_score'
  | 'eyes_not_level'
  | 'eye_distance'
  | 'nose_not_between_eyes'
  | 'nose_not_below_eyes'
  | 'mouth_not_below_nose'
  | 'ears_misplaced'
  | 'landmarks_outside_box';

/**
 * Why a detector's candidate is not a plausible face (empty: it is one). A face detector alone is fooled by
 * round objects with two dark spots; requiring the landmarks to sit where a face has them rejects those
 * while leaving real frontal faces, including rolled ones the pose check must still report, untouched.
 */
export function assessFaceCandidate(c: FaceCandidate, minScore: number = FACE_CANDIDATE_LIMITS.minScore): FaceCandidateProblem[] {
  const L = FACE_CANDIDATE_LIMITS;
  const problems: FaceCandidateProblem[] = [];
  if (!(c.score >= minScore)) problems.push('low_score');
  const roll = rollDegrees(c.rightEye, c.leftEye);
  if (Math.abs(roll) > L.maxRollDegrees) problems.push('eyes_not_level');
  const d = Math.hypot(c.leftEye.x - c.rightEye.x, c.leftEye.y - c.rightEye.y);
  if (!(d > 0) || !(c.box.width > 0)) return [...problems, 'eye_distance'];
  const ratio = d / c.box.width;
  if (ratio < L.eyeDistanceOfBox.min || ratio > L.eyeDistanceOfBox.max) problems.push('eye_distance');
  // Into the eye line's frame, in eye distances: the right eye lands at (−0.5, 0), the left at (0.5, 0).
  const mid = { x: (c.rightEye.x + c.leftEye.x) / 2, y: (c.rightEye.y + c.leftEye.y) / 2 };
  const level = (p: Point) => {
    const q = rotatePoint(p, mid, -roll);
    return { x: (q.x - mid.x) / d, y: (q.y - mid.y) / d };
  };
  const nose = level(c.nose);
  const mouth = level(c.mouth);
  const rEar = level(c.rightEar);
  const lEar = level(c.leftEar);
  if (Math.abs(nose.x) > L.noseX.max) problems.push('nose_not_between_eyes');
  if (nose.y < L.noseY.min || nose.y > L.noseY.max) problems.push('nose_not_below_eyes');
  if (mouth.y - nose.y < L.mouthBelowNose.min || mouth.y > L.mouthY.max || Math.abs(mouth.x) > L.mouthX.max) problems.push('mouth_not_below_nose');
  if (-rEar.x < L.earOutside.min || lEar.x < L.earOutside.min || [rEar.y, lEar.y].some((y) => y < L.earY.min || y > L.earY.max)) problems.push('ears_misplaced');
  const { x, y, width, height } = c.box;
  const inBox = (p: Point) => p.x >= x && p.x <= x + width && p.y >= y && p.y <= y + height;
  if (![c.rightEye, c.leftEye, c.nose, c.mouth].every(inBox)) problems.push('landmarks_outside_box');
  return problems;
}

/** Face width as the standard means it (cheek to cheek): the distance between BlazeFace's ear (tragion) points. */
export function faceWidthOf(f: FaceLandmarks): number {
  return Math.hypot(f.leftEar.x - f.rightEar.x, f.leftEar.y - f.rightEar.y);
}

// ---------------------------------------------------------------- crop (F2)

export interface CropInput {
  /** The working image (pixels the landmarks are in). */
  imageWidth: number;
  imageHeight: number;
  /** Camera pixels per working pixel (≥ 1 when the working copy was shrunk). */
  sourcePxPerImagePx: number;
  face: FaceLandmarks;
  /** Topmost hair pixel found above the face (working pixels), or null when the hair reaches the top edge (head cut off). */
  hairTop: Point | null;
}

export type CropProblem = 'head_cut_off' | 'too_close_to_edge' | 'face_too_small' | 'face_too_large' | 'no_room_above' | 'no_room_below';

export interface CropPlan {
  /** Rotate the working image by this many degrees clockwise about `pivot` to level the eyes (0 when the roll is too large to correct). */
  angle: number;
  pivot: Point;
  /** Output pixels per working pixel. */
  scale: number;
  /** The crop, axis-aligned in the levelled working image: left, top, width = 480/scale, height = 640/scale. */
  rect: { left: number; top: number; width: number; height: number };
  /** Where the face lands in the 480 × 640 output (predicted from the landmarks). */
  predicted: { eyeY: number; faceWidth: number; hairTop: number | null; offsetX: number; upscale: number };
}

/** Rotates p by `deg` degrees clockwise (image coordinates, y down) about c. */
export function rotatePoint(p: Point, c: Point, deg: number): Point {
  const t = (deg * Math.PI) / 180;
  const dx = p.x - c.x;
  const dy = p.y - c.y;
  return { x: c.x + dx * Math.cos(t) - dy * Math.sin(t), y: c.y + dx * Math.sin(t) + dy * Math.cos(t) };
}

function violation(v: number, lo: number, hi: number): number {
  return Math.max(0, lo - v, v - hi);
}

/**
 * Chooses the crop of F2: searches scale, eye height and horizontal shift for the frame that keeps eyes,
 * face width and hair top inside their ranges (aiming at the middle of each), centred on the face, inside
 * the camera image, without upscaling the camera's pixels. Returns null only when no frame fits inside the
 * image at all; a frame that fits but breaks a range is returned and the geometry check says which range.
 */
export function planStandardCrop(input: CropInput): CropPlan | null {
  const S = PHOTO_STANDARD;
  const { face } = input;
  const roll = rollDegrees(face.rightEye, face.leftEye);
  const angle = Math.abs(roll) <= POSE_LIMITS.correctableRoll + 1e-9 ? 0 - roll : 0;
  const pivot = { x: (face.rightEye.x + face.leftEye.x) / 2, y: (face.rightEye.y + face.leftEye.y) / 2 };
  const lv = (p: Point) => rotatePoint(p, pivot, angle);
  const eyeY = (lv(face.rightEye).y + lv(face.leftEye).y) / 2;
  const centreX = (lv(face.rightEar).x + lv(face.leftEar).x) / 2;
  const fw = faceWidthOf(face);
  if (!(fw > 0)) return null;
  const hairY = input.hairTop ? lv(input.hairTop).y : null;
  const W = input.imageWidth;
  const H = input.imageHeight;
  const cos = Math.cos((-angle * Math.PI) / 180);
  const sin = Math.sin((-angle * Math.PI) / 180);
  const inside = (x: number, y: number) => {
    const px = pivot.x + (x - pivot.x) * cos - (y - pivot.y) * sin;
    const py = pivot.y + (x - pivot.x) * sin + (y - pivot.y) * cos;
    return px >= -0.5 && py >= -0.5 && px <= W + 0.5 && py <= H + 0.5;
  };

  const fits = (left: number, top: number, cw: number, ch: number) =>
    inside(left, top) && inside(left + cw, top) && inside(left, top + ch) && inside(left + cw, top + ch);

  let best: { cost: number; plan: CropPlan } | null = null;
  for (let fwOut = 150; fwOut <= 330; fwOut += 3) {
    const scale = fwOut / fw;
    const upscale = scale / input.sourcePxPerImagePx;
    const cw = S.width / scale;
    const ch = S.height / scale;
    for (let eyeOut = 150; eyeOut <= 350; eyeOut += 2) {
      const top = eyeY - eyeOut / scale;
      const hairOut = hairY === null ? null : (hairY - top) * scale;
      // Centred when it fits; otherwise the smallest shift (output px, either side) that does.
      let offset: number | null = null;
      for (let d = 0; d <= 200 && offset === null; d += 4) {
        if (fits(centreX - (S.width / 2 + d) / scale, top, cw, ch)) offset = d;
        else if (d > 0 && fits(centreX - (S.width / 2 - d) / scale, top, cw, ch)) offset = -d;
      }
      if (offset === null) continue;
      const left = centreX - (S.width / 2 + offset) / scale;
      const hard =
        violation(fwOut, S.faceWidth.min, S.faceWidth.max) +
        violation(eyeOut, S.eyeLine.min, S.eyeLine.max) +
        (hairOut === null ? 0 : violation(hairOut, S.hairTop.min, S.hairTop.max)) +
        violation(Math.abs(offset), 0, S.maxOffsetX) +
        1000 * violation(upscale, 0, S.maxUpscale);
      const soft =
        ((fwOut - S.faceWidth.target) / 60) ** 2 +
        ((eyeOut - S.eyeLine.target) / 50) ** 2 +
        (hairOut === null ? 0 : ((hairOut - S.hairTop.target) / 30) ** 2) +
        (offset / 24) ** 2;
      const cost = 1000 * hard + soft;
      if (!best || cost < best.cost) {
        best = {
          cost,
          plan: {
            angle,
            pivot,
            scale,
            rect: { left, top, width: cw, height: ch },
            predicted: { eyeY: eyeOut, faceWidth: fwOut, hairTop: hairOut, offsetX: offset, upscale },
          },
        };
      }
    }
  }
  return best?.plan ?? null;
}

/** Maps a point of the working image into the 480 × 640 output of a plan. */
export function mapToOutput(plan: CropPlan, p: Point): Point {
  const q = rotatePoint(p, plan.pivot, plan.angle);
  return { x: (q.x - plan.rect.left) * plan.scale, y: (q.y - plan.rect.top) * plan.scale };
}

// ---------------------------------------------------------------- checks

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

function worst(statuses: CheckStatus[]): CheckStatus {
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('warn')) return 'warn';
  return 'pass';
}

/** Status of a value where higher is worse. */
function gradeHigh(v: number, warn: number, fail: number): CheckStatus {
  return v > fail ? 'fail' : v > warn ? 'warn' : 'pass';
}

/** Status of a value where lower is worse. */
function gradeLow(v: number, warn: number, fail: number): CheckStatus {
  return v < fail ? 'fail' : v < warn ? 'warn' : 'pass';
}

function joinReasons(reasons: { zh: string; en: string }[], ok: { zh: string; en: string }): { zh: string; en: string } {
  if (reasons.length === 0) return ok;
  return { zh: reasons.map((r) => r.zh).join('；'), en: reasons.map((r) => r.en).join('; ') };
}

export interface FormatMeasure {
  width: number;
  height: number;
  channels: number;
  dpi: number;
  quality: number;
  bytes: number;
  /** JPEG with no EXIF/GPS/XMP block. */
  metadataStripped: boolean;
}

/** F1: 480 × 640, 3 channels, 300 dpi, quality ≥ 60; 20–40 KB is "roughly", so only a warning. */
export function checkFormat(m: FormatMeasure): PhotoCheck {
  const S = PHOTO_STANDARD;
  const reasons: { zh: string; en: string }[] = [];
  const statuses: CheckStatus[] = [];
  if (m.width !== S.width || m.height !== S.height) {
    statuses.push('fail');
    reasons.push({ zh: `尺寸为 ${m.width} × ${m.height}，应为 480 × 640 像素`, en: `size is ${m.width} × ${m.height}, must be 480 × 640 pixels` });
  }
  if (m.channels !== S.channels) {
    statuses.push('fail');
    reasons.push({ zh: `${m.channels} 个颜色通道，应为 24 位 RGB`, en: `${m.channels} colour channels, must be 24-bit RGB` });
  }
  if (m.dpi !== S.dpi) {
    statuses.push('fail');
    reasons.push({ zh: `分辨率为 ${m.dpi} dpi，应为 300 dpi`, en: `resolution is ${m.dpi} dpi, must be 300 dpi` });
  }
  if (m.quality < S.minQuality) {
    statuses.push('fail');
    reasons.push({ zh: `JPEG 质量 ${m.quality} 低于 60`, en: `JPEG quality ${m.quality} is below 60` });
  }
  if (!m.metadataStripped) {
    statuses.push('fail');
    reasons.push({ zh: '文件中仍有 EXIF/GPS 元数据', en: 'the file still carries EXIF/GPS metadata' });
  }
  const kb = round(m.bytes / 1024);
  if (m.bytes < S.bytes.min || m.bytes > S.bytes.max) {
    statuses.push('warn');
    reasons.push({ zh: `文件大小 ${kb} KB，不在约 20–40 KB 的范围内`, en: `file size ${kb} KB is outside the usual 20–40 KB` });
  }
  return {
    id: 'format',
    status: worst(statuses),
    value: { width: m.width, height: m.height, channels: m.channels, dpi: m.dpi, quality: m.quality, bytes: m.bytes },
    threshold: { width: S.width, height: S.height, channels: S.channels, dpi: S.dpi, minQuality: S.minQuality, bytes: [S.bytes.min, S.bytes.max] },
    message: joinReasons(reasons, {
      zh: `JPEG 480 × 640，24 位色，300 dpi，质量 ${m.quality}，${kb} KB`,
      en: `JPEG 480 × 640, 24-bit colour, 300 dpi, quality ${m.quality}, ${kb} KB`,
    }),
  };
}

export interface GeometryMeasure {
  /** False when no 480 × 640 frame fits inside the camera image at all. */
  cropPossible: boolean;
  eyeY: number;
  faceWidth: number;
  /** null: the hair reaches the top edge of the camera image (head cut off). */
  hairTop: number | null;
  /** Face centre minus frame centre, output pixels. */
  offsetX: number;
  /** Output pixels per camera pixel. */
  upscale: number;
  /** Face width in the camera image (camera pixels). */
  cameraFaceWidth: number;
}

/** F2 in the 480 × 640 output. Every failure names what the photographer must change. */
export function checkGeometry(m: GeometryMeasure): PhotoCheck {
  const S = PHOTO_STANDARD;
  const threshold = {
    eyeY: [S.eyeLine.min, S.eyeLine.max],
    faceWidth: [S.faceWidth.min, S.faceWidth.max],
    hairTop: [S.hairTop.min, S.hairTop.max],
    maxOffsetX: S.maxOffsetX,
    maxUpscale: S.maxUpscale,
  };
  if (!m.cropPossible) {
    return {
      id: 'geometry',
      status: 'fail',
      value: null,
      threshold,
      message: {
        zh: '无法裁出 480 × 640 的标准照：人脸离画面边缘太近或头部被截断，请调整构图后重拍',
        en: 'No 480 × 640 frame fits: the face is too close to the edge of the camera image or the head is cut off; reframe and retake',
      },
    };
  }
  const reasons: { zh: string; en: string }[] = [];
  if (m.hairTop === null) {
    reasons.push({ zh: '头顶被截断：相机画面中头发触及上边缘，请降低相机或让学生下移', en: 'head cut off: the hair touches the top of the camera image; lower the camera or move the student down' });
  } else if (m.hairTop < S.hairTop.min || m.hairTop > S.hairTop.max) {
    reasons.push({ zh: `头顶距上边缘 ${Math.round(m.hairTop)} 像素，应为 50–110`, en: `top of hair is ${Math.round(m.hairTop)} px from the top edge, must be 50–110` });
  }
  const tooSmall = m.upscale > S.maxUpscale + 1e-6 || m.cameraFaceWidth * S.maxUpscale < S.faceWidth.min;
  if (tooSmall) {
    const needed = Math.ceil(S.faceWidth.min / S.maxUpscale);
    reasons.push({
      zh: `人脸在相机画面中太小（脸宽 ${Math.round(m.cameraFaceWidth)} 像素，至少需要 ${needed} 像素才不必放大），请靠近或拉近镜头`,
      en: `face too small in the camera image (${Math.round(m.cameraFaceWidth)} px wide, at least ${needed} px needed without upscaling); move closer or zoom in`,
    });
  }
  if (m.eyeY < S.eyeLine.min || m.eyeY > S.eyeLine.max) {
    reasons.push({ zh: `眼睛距上边缘 ${Math.round(m.eyeY)} 像素，应为 200–300`, en: `eyes are ${Math.round(m.eyeY)} px from the top edge, must be 200–300` });
  }
  if (!tooSmall && (m.faceWidth < S.faceWidth.min || m.faceWidth > S.faceWidth.max)) {
    reasons.push({ zh: `脸宽 ${Math.round(m.faceWidth)} 像素，应为 180–300`, en: `face width is ${Math.round(m.faceWidth)} px, must be 180–300` });
  }
  if (Math.abs(m.offsetX) > S.maxOffsetX) {
    reasons.push({
      zh: `人脸偏离中线 ${Math.round(m.offsetX)} 像素：人脸离相机画面${m.offsetX < 0 ? '左' : '右'}边缘太近，无法居中`,
      en: `face is ${Math.round(m.offsetX)} px off centre: too close to the ${m.offsetX < 0 ? 'left' : 'right'} edge of the camera image to be centred`,
    });
  }
  return {
    id: 'geometry',
    status: reasons.length > 0 ? 'fail' : 'pass',
    value: {
      eyeY: Math.round(m.eyeY),
      faceWidth: Math.round(m.faceWidth),
      hairTop: m.hairTop === null ? null : Math.round(m.hairTop),
      offsetX: Math.round(m.offsetX),
      upscale: round(m.upscale, 2),
      cameraFaceWidth: Math.round(m.cameraFaceWidth),
    },
    threshold,
    message: joinReasons(reasons, {
      zh: `眼睛 ${Math.round(m.eyeY)} 像素，脸宽 ${Math.round(m.faceWidth)} 像素，头顶 ${m.hairTop === null ? '—' : Math.round(m.hairTop)} 像素，居中`,
      en: `eyes at ${Math.round(m.eyeY)} px, face ${Math.round(m.faceWidth)} px wide, top of hair at ${m.hairTop === null ? '—' : Math.round(m.hairTop)} px, centred`,
    }),
  };
}

export interface BackgroundMeasure {
  /** Mean CIELAB colour of the background samples. */
  meanLab: Lab;
  /** Mean colour as sRGB, for people. */
  meanRgb: { r: number; g: number; b: number };
  /** 90th percentile of the samples' CIE76 distance to their mean. */
  spread: number;
  /** Largest CIEDE2000 distance between the regions' median colours (top band, left band, right band). */
  gradient: number;
  /** Number of pixels sampled; 0 when no background could be sampled. */
  samples: number;
}

/** F3: light blue RGB(100,197,255), uniform, no gradient or shadow. Distance in CIEDE2000. */
export function checkBackground(m: BackgroundMeasure): PhotoCheck {
  const L = BACKGROUND_LIMITS;
  const threshold = { reference: PHOTO_STANDARD.background, deltaE2000: L.deltaE, spread: L.spread, gradient: L.gradient };
  if (m.samples === 0) {
    return { id: 'background', status: 'fail', value: null, threshold, message: { zh: '看不到背景，无法检查背景颜色', en: 'No background is visible to check its colour' } };
  }
  const dE = deltaE2000(m.meanLab, REFERENCE_BACKGROUND_LAB);
  const sColour = gradeHigh(dE, L.deltaE.warn, L.deltaE.fail);
  const sSpread = gradeHigh(m.spread, L.spread.warn, L.spread.fail);
  const sGradient = gradeHigh(m.gradient, L.gradient.warn, L.gradient.fail);
  const rgb = `RGB(${Math.round(m.meanRgb.r)}, ${Math.round(m.meanRgb.g)}, ${Math.round(m.meanRgb.b)})`;
  const reasons: { zh: string; en: string }[] = [];
  if (sColour !== 'pass') {
    reasons.push({ zh: `背景颜色 ${rgb} 与标准浅蓝 RGB(100, 197, 255) 相差 ΔE ${round(dE)}（上限 ${L.deltaE.warn}）`, en: `background ${rgb} is ΔE ${round(dE)} from the reference light blue RGB(100, 197, 255) (limit ${L.deltaE.warn})` });
  }
  if (sSpread !== 'pass') {
    reasons.push({ zh: `背景不均匀（离散度 ΔE ${round(m.spread)}，上限 ${L.spread.warn}），可能有物体或杂物`, en: `background not uniform (spread ΔE ${round(m.spread)}, limit ${L.spread.warn}): objects or clutter?` });
  }
  if (sGradient !== 'pass') {
    reasons.push({ zh: `背景有明暗渐变或阴影（区域差 ΔE ${round(m.gradient)}，上限 ${L.gradient.warn}）`, en: `background has a gradient or shadow (regions differ by ΔE ${round(m.gradient)}, limit ${L.gradient.warn})` });
  }
  return {
    id: 'background',
    status: worst([sColour, sSpread, sGradient]),
    value: { deltaE2000: round(dE), spread: round(m.spread), gradient: round(m.gradient), r: Math.round(m.meanRgb.r), g: Math.round(m.meanRgb.g), b: Math.round(m.meanRgb.b) },
    threshold,
    message: joinReasons(reasons, { zh: `背景 ${rgb}，与标准浅蓝相差 ΔE ${round(dE)}，均匀`, en: `background ${rgb}, ΔE ${round(dE)} from the reference light blue, uniform` }),
  };
}

export interface ExposureMeasure {
  meanLuma: number;
  highlights: number;
  shadows: number;
  contrast: number;
}

export function checkExposure(m: ExposureMeasure): PhotoCheck {
  const L = EXPOSURE_LIMITS;
  const sMean =
    m.meanLuma < L.meanLuma.failLow || m.meanLuma > L.meanLuma.failHigh ? 'fail' : m.meanLuma < L.meanLuma.warnLow || m.meanLuma > L.meanLuma.warnHigh ? 'warn' : 'pass';
  const sHigh = gradeHigh(m.highlights, L.clipped.warn, L.clipped.fail);
  const sLow = gradeHigh(m.shadows, L.clipped.warn, L.clipped.fail);
  const sContrast = gradeLow(m.contrast, L.contrast.warn, L.contrast.fail);
  const reasons: { zh: string; en: string }[] = [];
  if (sMean !== 'pass') {
    const dark = m.meanLuma < L.meanLuma.warnLow;
    reasons.push({
      zh: `面部${dark ? '过暗' : '过亮'}（平均亮度 ${Math.round(m.meanLuma)}，应为 ${L.meanLuma.warnLow}–${L.meanLuma.warnHigh}）`,
      en: `face ${dark ? 'under-exposed' : 'over-exposed'} (mean luma ${Math.round(m.meanLuma)}, expected ${L.meanLuma.warnLow}–${L.meanLuma.warnHigh})`,
    });
  }
  if (sHigh !== 'pass') {
    reasons.push({ zh: `面部 ${round(m.highlights * 100)}% 的像素过曝（上限 ${L.clipped.warn * 100}%）`, en: `${round(m.highlights * 100)}% of the face is blown out (limit ${L.clipped.warn * 100}%)` });
  }
  if (sLow !== 'pass') {
    reasons.push({ zh: `面部 ${round(m.shadows * 100)}% 的像素死黑（上限 ${L.clipped.warn * 100}%）`, en: `${round(m.shadows * 100)}% of the face is crushed to black (limit ${L.clipped.warn * 100}%)` });
  }
  if (sContrast !== 'pass') {
    reasons.push({ zh: `面部对比度过低（${round(m.contrast)}，下限 ${L.contrast.warn}）`, en: `face contrast too low (${round(m.contrast)}, minimum ${L.contrast.warn})` });
  }
  return {
    id: 'exposure',
    status: worst([sMean, sHigh, sLow, sContrast]),
    value: { meanLuma: round(m.meanLuma), highlights: round(m.highlights, 3), shadows: round(m.shadows, 3), contrast: round(m.contrast) },
    threshold: L,
    message: joinReasons(reasons, { zh: `曝光正常（面部平均亮度 ${Math.round(m.meanLuma)}）`, en: `exposure fine (face mean luma ${Math.round(m.meanLuma)})` }),
  };
}

export interface SharpnessMeasure {
  /** Variance of the 4-neighbour Laplacian of the face's luma in the 480 × 640 output. */
  laplacianVariance: number;
  /** Variance of the face's luma there (its contrast squared). */
  lumaVariance: number;
}

/**
 * Focus. The output's scale is fixed by F2 (face 180–300 px wide), so the Laplacian is measured at a known
 * scale; dividing its spread by the face's own contrast, std(Laplacian) / std(luma), makes the figure
 * independent of exposure (a dark face has a small Laplacian too, and is the exposure check's business).
 */
export function checkSharpness(m: SharpnessMeasure): PhotoCheck {
  const L = SHARPNESS_LIMITS;
  const ratio = m.lumaVariance > 0 ? Math.sqrt(m.laplacianVariance / m.lumaVariance) : 0;
  const status = gradeLow(ratio, L.warn, L.fail);
  const v = round(ratio, 3);
  return {
    id: 'sharpness',
    status,
    value: { ratio: v, laplacianVariance: round(m.laplacianVariance) },
    threshold: L,
    message:
      status === 'pass'
        ? { zh: `面部清晰（清晰度 ${v}）`, en: `face in focus (sharpness ${v})` }
        : {
            zh: `面部${status === 'fail' ? '模糊' : '可能不够清晰'}（清晰度 ${v}，下限 ${status === 'fail' ? L.fail : L.warn}），请对焦后重拍`,
            en: `face ${status === 'fail' ? 'blurred' : 'may be soft'} (sharpness ${v}, minimum ${status === 'fail' ? L.fail : L.warn}); focus and retake`,
          },
  };
}

/** C2/F3: exactly one face, no other people. */
export function checkFaces(count: number): PhotoCheck {
  const status: CheckStatus = count === 1 ? 'pass' : 'fail';
  return {
    id: 'faces',
    status,
    value: count,
    threshold: 1,
    message:
      count === 1
        ? { zh: '检测到 1 张人脸', en: 'one face found' }
        : count === 0
          ? { zh: '未检测到人脸，请正对镜头重拍', en: 'no face found; face the camera and retake' }
          : { zh: `检测到 ${count} 张人脸，画面中只能有一人`, en: `${count} faces found; only one person may be in the picture` },
  };
}

export interface PoseMeasure {
  roll: number;
  yaw: number;
}

/** F2 "level", F4 / C2 "frontal". Roll up to 8° is levelled by the crop; beyond that the student must straighten up. */
export function checkPose(m: PoseMeasure): PhotoCheck {
  const P = POSE_LIMITS;
  const absRoll = Math.abs(m.roll);
  const absYaw = Math.abs(m.yaw);
  const sRoll = gradeHigh(absRoll, P.rollWarn, P.correctableRoll);
  const sYaw = gradeHigh(absYaw, P.yawWarn, P.yawFail);
  const reasons: { zh: string; en: string }[] = [];
  if (sRoll === 'fail') {
    reasons.push({ zh: `头部倾斜 ${round(m.roll)}°（超过 ${P.correctableRoll}°，无法自动校正），请让学生摆正头部`, en: `head tilted ${round(m.roll)}° (more than ${P.correctableRoll}°, not corrected); ask the student to hold the head level` });
  } else if (sRoll === 'warn') {
    reasons.push({ zh: `头部倾斜 ${round(m.roll)}°，已自动校正，请核对`, en: `head tilted ${round(m.roll)}°, levelled automatically; please review` });
  }
  if (sYaw !== 'pass') {
    reasons.push({ zh: `头部左右偏转约 ${round(m.yaw)}°（上限 ${P.yawWarn}°），请正对镜头`, en: `head turned about ${round(m.yaw)}° (limit ${P.yawWarn}°); face the camera` });
  }
  return {
    id: 'pose',
    status: worst([sRoll, sYaw]),
    value: { roll: round(m.roll), yaw: round(m.yaw) },
    threshold: { rollWarn: P.rollWarn, rollMax: P.correctableRoll, yawWarn: P.yawWarn, yawMax: P.yawFail },
    message: joinReasons(reasons, { zh: `正面，头部端正（倾斜 ${round(m.roll)}°，偏转约 ${round(m.yaw)}°）`, en: `frontal and level (roll ${round(m.roll)}°, yaw about ${round(m.yaw)}°)` }),
  };
}

const CHECK_ORDER: CheckId[] = ['format', 'geometry', 'background', 'exposure', 'sharpness', 'faces', 'pose'];

/** The report: checks in a fixed order; accepted when none failed. */
export function summarisePhotoChecks(checks: PhotoCheck[]): PhotoChecks {
  const sorted = [...checks].sort((a, b) => CHECK_ORDER.indexOf(a.id) - CHECK_ORDER.indexOf(b.id));
  return { checks: sorted, accepted: sorted.every((c) => c.status !== 'fail') };
}

/** The prefix of a not-measured check's message (also how reports stored before `measured` are read). */
export const NOT_CHECKED_PREFIX = { zh: '未检查：', en: 'not checked: ' } as const;

/** A check that could not be measured (no face, or no frame to measure on): it fails, saying why. */
export function notChecked(id: CheckId, because: { zh: string; en: string }): PhotoCheck {
  return { id, status: 'fail', value: null, threshold: null, measured: false, message: { zh: `${NOT_CHECKED_PREFIX.zh}${because.zh}`, en: `${NOT_CHECKED_PREFIX.en}${because.en}` } };
}

/** Whether a stored check was run (reports stored before `measured` existed say so by their message). */
export function wasMeasured(check: Pick<PhotoCheck, 'measured' | 'message'>): boolean {
  return check.measured !== false && !check.message.zh.startsWith(NOT_CHECKED_PREFIX.zh);
}

/** Without a face only the face count can be measured; every other check says why it was not. */
export function checksWithoutFace(count: number): PhotoChecks {
  const because = { zh: '没有检测到人脸', en: 'there is no face' };
  const ids: CheckId[] = ['format', 'geometry', 'background', 'exposure', 'sharpness', 'pose'];
  return summarisePhotoChecks([checkFaces(count), ...ids.map((id) => notChecked(id, because))]);
}
