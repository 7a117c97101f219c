// From a decoded camera photo to the standard 480 × 640 JPEG and its checks report (issue #4, parts 3–5).
// Measuring happens here, on raw pixels from sharp; judging happens in src/domain/photo-standard.ts.
// Cost: the camera JPEG is decoded once, with libjpeg's shrink-on-load, to a working copy of ≥ 1500 px on
// its long side (a second, region-only decode happens only for a loosely framed face); detection, background
// colour and hair work on a ≤ DETECT_MAX_SIDE copy of it; every per-pixel JavaScript loop runs on that small
// copy's columns or on the 480 × 640 output.
// How each step works and why: docs/decisions/0005-photo-analysis.md.
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import {
  checkBackground,
  checkExposure,
  checkFaces,
  checkFormat,
  checkGeometry,
  checkPose,
  checkSharpness,
  checksWithoutFace,
  notChecked,
  deltaE2000,
  deltaE76,
  faceWidthOf,
  mapToOutput,
  PHOTO_STANDARD,
  planStandardCrop,
  rollDegrees,
  rotatePoint,
  summarisePhotoChecks,
  yawDegrees,
} from '../domain/photo-standard.js';
import type { CropPlan, Lab, PhotoChecks, Point } from '../domain/photo-standard.js';
import type { DetectedFace, FaceDetector } from './face-detector.js';
import type { DecodedPhoto } from './image-decode.js';
import { photoErrorFromSharp } from './image-decode.js';

/** What analysePhoto needs of a decoded photo: its oriented size and a fresh pipeline over it. */
export type DecodedPhotoSource = Pick<DecodedPhoto, 'width' | 'height' | 'open'>;

export interface PhotoAnalysis {
  /** The F1 JPEG, or null when no crop is possible (no face, or no 480 × 640 frame fits in the camera image). */
  standardJpeg: Buffer | null;
  checks: PhotoChecks;
  /** The face the crop is built on, in the decoded image's pixels. */
  face: DetectedFace | null;
  /** decode, detect, crop, checks, encode, total. */
  timingsMs: Record<string, number>;
}

/** Longest side of the copy given to the detector (256 × 256 input; the second pass looks closer). */
export const DETECT_MAX_SIDE = 512;
/** The working copy's long side is at least this (then shrink-on-load by 1/2, 1/4 or 1/8 does the work). */
const WORK_MIN_LONG_SIDE = 1500;
/** The crop's source keeps the face at least this many times wider than in the output (the last resize only shrinks). */
const WORK_OVERSAMPLE = 1.25;
const JPEG_QUALITY = { min: PHOTO_STANDARD.minQuality, start: 85, max: 95 } as const;

interface RawImage {
  data: Buffer;
  width: number;
  height: number;
}

const rawInput = (img: RawImage) => ({ raw: { width: img.width, height: img.height, channels: 3 as const } });

async function toRaw(pipeline: Sharp): Promise<RawImage> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/**
 * Decodes (part of) the camera file. The segment walk before it does not read the scan data: corrupt
 * compressed data fails only here, and libvips' plain Error becomes the photographer's PHOTO_TRUNCATED /
 * PHOTO_UNREADABLE {reason} (422, audited as a refused upload) instead of a server error.
 */
async function decodeRaw(pipeline: Sharp): Promise<RawImage> {
  try {
    return await toRaw(pipeline);
  } catch (e) {
    throw photoErrorFromSharp(e);
  }
}

// ---------------------------------------------------------------- colour helpers (LUT: no pow per pixel)

const LINEAR = Float64Array.from({ length: 256 }, (_, c) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
});

const labF = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116);

/** CIELAB of the pixel at byte offset i, written into `out` (no allocation in pixel loops). */
function labInto(d: Buffer, i: number, out: Lab): Lab {
  const R = LINEAR[d[i]!]!;
  const G = LINEAR[d[i + 1]!]!;
  const B = LINEAR[d[i + 2]!]!;
  const fx = labF((0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047);
  const fy = labF(0.2126729 * R + 0.7151522 * G + 0.072175 * B);
  const fz = labF((0.0193339 * R + 0.119192 * G + 0.9503041 * B) / 1.08883);
  out.L = 116 * fy - 16;
  out.a = 500 * (fx - fy);
  out.b = 200 * (fy - fz);
  return out;
}

function labAt(d: Buffer, i: number): Lab {
  return labInto(d, i, { L: 0, a: 0, b: 0 });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/**
 * Background colour: the per-channel median of four patches where an ID photo shows only background (the
 * two top corners, and both edges at a third of the height); of those four, the patch agreeing best with the
 * others wins, so one object in a corner does not become "the background".
 */
function sampleBackgroundColour(img: RawImage): { r: number; g: number; b: number } {
  const size = Math.max(2, Math.round(img.width * 0.04));
  const margin = Math.max(1, Math.round(img.width * 0.01));
  const third = Math.round(img.height / 3);
  const corners = [
    [margin, margin],
    [img.width - margin - size, margin],
    [margin, third],
    [img.width - margin - size, third],
  ];
  const patches = corners.map(([x0, y0]) => {
    const rs: number[] = [];
    const gs: number[] = [];
    const bs: number[] = [];
    for (let y = Math.max(0, y0!); y < y0! + size && y < img.height; y++) {
      for (let x = Math.max(0, x0!); x < x0! + size && x < img.width; x++) {
        const i = (y * img.width + x) * 3;
        rs.push(img.data[i]!);
        gs.push(img.data[i + 1]!);
        bs.push(img.data[i + 2]!);
      }
    }
    return { r: median(rs), g: median(gs), b: median(bs) };
  });
  const dist = (p: { r: number; g: number; b: number }, q: { r: number; g: number; b: number }) => Math.hypot(p.r - q.r, p.g - q.g, p.b - q.b);
  return patches.reduce((best, p) =>
    patches.reduce((s, q) => s + dist(p, q), 0) < patches.reduce((s, q) => s + dist(best, q), 0) ? p : best,
  );
}

/** ΔE76 beyond which a pixel is no longer background (hair, skin, clothes, another object). */
const HAIR_DELTA_E = 14;

/**
 * Top of the hair: in columns across the face, the first row (from the top) where the colour leaves the
 * background colour for `run` consecutive pixels. The crown is the topmost such row over the columns
 * (the second-topmost, so that one noisy column does not decide). null when the head already touches
 * the top edge.
 */
function findHairTop(img: RawImage, bg: Lab, centreX: number, eyeY: number, faceWidth: number): Point | null {
  const run = Math.max(2, Math.round(img.height / 400));
  const x0 = Math.max(0, Math.round(centreX - faceWidth * 0.35));
  const x1 = Math.min(img.width - 1, Math.round(centreX + faceWidth * 0.35));
  const stepX = Math.max(1, Math.round((x1 - x0) / 48));
  const yMax = Math.min(img.height - 1, Math.round(eyeY));
  if (yMax <= 1) return null; // the forehead is at the top edge already
  const tops: Point[] = [];
  const lab: Lab = { L: 0, a: 0, b: 0 };
  for (let x = x0; x <= x1; x += stepX) {
    let streak = 0;
    for (let y = 0; y <= yMax; y++) {
      const far = deltaE76(labInto(img.data, (y * img.width + x) * 3, lab), bg) > HAIR_DELTA_E;
      streak = far ? streak + 1 : 0;
      if (streak >= run) {
        tops.push({ x, y: y - run + 1 });
        break;
      }
    }
  }
  if (tops.length === 0) return { x: centreX, y: yMax };
  tops.sort((a, b) => a.y - b.y);
  const crown = tops[Math.min(1, tops.length - 1)]!;
  return crown.y <= 1 ? null : crown;
}

// ---------------------------------------------------------------- crop rendering

/** The plan with every length multiplied by k (from the detection copy's pixels to the working copy's). */
function scalePlan(plan: CropPlan, k: number): CropPlan {
  return {
    ...plan,
    pivot: { x: plan.pivot.x * k, y: plan.pivot.y * k },
    scale: plan.scale / k,
    rect: { left: plan.rect.left * k, top: plan.rect.top * k, width: plan.rect.width * k, height: plan.rect.height * k },
  };
}

/**
 * Cuts the plan's frame out of the working copy (size workW × workH, of which only the region needed is
 * decoded): region → rotate about its centre (levels the eyes) → extract → resize to 480 × 640.
 */
async function renderCrop(
  fetchRegion: (box: { left: number; top: number; width: number; height: number }) => Promise<RawImage>,
  workW: number,
  workH: number,
  plan: CropPlan,
  fill: { r: number; g: number; b: number },
): Promise<RawImage> {
  const corners = [
    { x: plan.rect.left, y: plan.rect.top },
    { x: plan.rect.left + plan.rect.width, y: plan.rect.top },
    { x: plan.rect.left, y: plan.rect.top + plan.rect.height },
    { x: plan.rect.left + plan.rect.width, y: plan.rect.top + plan.rect.height },
  ].map((c) => rotatePoint(c, plan.pivot, -plan.angle));
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c.x))) - 2);
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c.y))) - 2);
  const x1 = Math.min(workW, Math.ceil(Math.max(...corners.map((c) => c.x))) + 2);
  const y1 = Math.min(workH, Math.ceil(Math.max(...corners.map((c) => c.y))) + 2);
  let region = await fetchRegion({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 });
  const regionCentre = { x: x0 + region.width / 2, y: y0 + region.height / 2 };
  let left: number;
  let top: number;
  if (Math.abs(plan.angle) >= 0.1) {
    region = await toRaw(sharp(region.data, rawInput(region)).rotate(plan.angle, { background: fill }));
    // The rotated canvas keeps the region's centre at its own centre.
    const pivotInRegion = rotatePoint(plan.pivot, regionCentre, plan.angle);
    left = region.width / 2 + (pivotInRegion.x - regionCentre.x) + (plan.rect.left - plan.pivot.x);
    top = region.height / 2 + (pivotInRegion.y - regionCentre.y) + (plan.rect.top - plan.pivot.y);
  } else {
    left = plan.rect.left - x0;
    top = plan.rect.top - y0;
  }
  const l = Math.max(0, Math.min(region.width - 1, Math.round(left)));
  const t = Math.max(0, Math.min(region.height - 1, Math.round(top)));
  const w = Math.max(1, Math.min(region.width - l, Math.round(plan.rect.width)));
  const h = Math.max(1, Math.min(region.height - t, Math.round(plan.rect.height)));
  return toRaw(
    sharp(region.data, rawInput(region))
      .extract({ left: l, top: t, width: w, height: h })
      .resize(PHOTO_STANDARD.width, PHOTO_STANDARD.height, { fit: 'fill', kernel: 'lanczos3' }),
  );
}

// ---------------------------------------------------------------- encoding (F1)

/** JFIF APP0 with 300 dots per inch. sharp writes density only as EXIF, and the output must carry no EXIF. */
const JFIF_300_DPI = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x01, 0x01, 0x2c, 0x01, 0x2c, 0x00, 0x00]);

async function encodeJpeg(img: RawImage, quality: number): Promise<Buffer> {
  // Baseline, 4:2:0, Huffman tables optimised; no metadata of any kind (no withMetadata/keep*).
  const body = await sharp(img.data, rawInput(img)).jpeg({ quality, optimiseCoding: true, chromaSubsampling: '4:2:0' }).toBuffer();
  return Buffer.concat([body.subarray(0, 2), JFIF_300_DPI, body.subarray(2)]);
}

/**
 * The highest quality (60–95) whose file is at most 40 KB; quality 60 when even that is larger (F1: quality
 * first). Interpolation search on the file size (monotone in the quality): 2–5 encodes of ~5 ms.
 */
export async function encodeStandardJpeg(img: RawImage): Promise<{ jpeg: Buffer; quality: number }> {
  const max = PHOTO_STANDARD.bytes.max;
  const encode = async (quality: number) => ({ quality, jpeg: await encodeJpeg(img, quality) });
  // Portraits mostly land at quality 80–90: start there, then bracket.
  const first = await encode(JPEG_QUALITY.start);
  let lo: typeof first;
  let hi: typeof first;
  if (first.jpeg.length <= max) {
    lo = first;
    hi = await encode(JPEG_QUALITY.max);
    if (hi.jpeg.length <= max) return hi;
  } else {
    hi = first;
    lo = await encode(JPEG_QUALITY.min);
    if (lo.jpeg.length > max) return lo;
  }
  // Invariant: lo fits, hi does not. Interpolate on log(size); bisect whenever that did not halve the
  // interval; stop within one step of the best quality.
  let bisect = false;
  while (hi.quality - lo.quality > 1) {
    const width = hi.quality - lo.quality;
    const t = Math.log(max / lo.jpeg.length) / Math.log(hi.jpeg.length / lo.jpeg.length);
    const guess = bisect ? (lo.quality + hi.quality) / 2 : lo.quality + t * width;
    const probe = await encode(Math.min(hi.quality - 1, Math.max(lo.quality + 1, Math.round(guess))));
    if (probe.jpeg.length <= max) lo = probe;
    else hi = probe;
    bisect = !bisect && hi.quality - lo.quality > width / 2;
  }
  return lo;
}

// ---------------------------------------------------------------- measurements on the 480 × 640 output

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function clampBox(b: Box, img: RawImage): Box {
  return {
    x0: Math.max(0, Math.round(b.x0)),
    y0: Math.max(0, Math.round(b.y0)),
    x1: Math.min(img.width, Math.round(b.x1)),
    y1: Math.min(img.height, Math.round(b.y1)),
  };
}

/** Rows of one lower side strip that make one band (its own median colour): enough to see a gradient step by step. */
const SIDE_SEGMENT_ROWS = 64;
/** Width of the patch at the frame's edge whose colour a row of the lower strips is compared with. */
const EDGE_PATCH = 8;
/** ΔE76 between a row's edge patch and the rows just above it beyond which the backdrop has ended there (a shoulder, an object). */
const EDGE_STEP_DELTA_E = 6;

function medianLabOf(img: RawImage, y0: number, y1: number, x0: number, x1: number): Lab {
  const Ls: number[] = [];
  const As: number[] = [];
  const Bs: number[] = [];
  const lab: Lab = { L: 0, a: 0, b: 0 };
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      labInto(img.data, (y * img.width + x) * 3, lab);
      Ls.push(lab.L);
      As.push(lab.a);
      Bs.push(lab.b);
    }
  }
  return { L: median(Ls), a: median(As), b: median(Bs) };
}

/**
 * The backdrop beside the body below the eye line, on one side of the output, as bands of SIDE_SEGMENT_ROWS
 * rows (issue 8 finding 12: a gradient from light at the top to dark at the bottom hardly shows beside the
 * head, but plainly between the top band and the backdrop beside the shoulders). Walking down from `fromY`
 * every other row, a row counts while its edge patch continues the colour of the rows above it (a backdrop's
 * gradient changes it by a fraction of a unit per row; the shoulders or an object reaching the edge change it
 * at once, and the walk ends there); in a counted row the backdrop runs inward from the edge until a pixel
 * leaves that row's edge colour by HAIR_DELTA_E (the subject), at most `maxWidth` pixels.
 */
function lowerSideBands(img: RawImage, fromY: number, side: 'left' | 'right', margin: number, maxWidth: number): Box[][] {
  const bands: Box[][] = [];
  const recent: Lab[] = [];
  const lab: Lab = { L: 0, a: 0, b: 0 };
  const patchX0 = side === 'left' ? margin : img.width - margin - EDGE_PATCH;
  const dir = side === 'left' ? 1 : -1;
  const edgeX = side === 'left' ? margin : img.width - margin - 1;
  for (let y = Math.max(0, Math.round(fromY)); y + 1 < img.height - margin; y += 2) {
    const edge = medianLabOf(img, y, y + 2, patchX0, patchX0 + EDGE_PATCH);
    if (recent.length > 0) {
      const ref = { L: 0, a: 0, b: 0 };
      for (const r of recent) {
        ref.L += r.L / recent.length;
        ref.a += r.a / recent.length;
        ref.b += r.b / recent.length;
      }
      if (deltaE76(edge, ref) > EDGE_STEP_DELTA_E) break;
    }
    recent.push(edge);
    if (recent.length > 6) recent.shift();
    let run = 0;
    while (run < maxWidth) {
      const x = edgeX + dir * run;
      if (x < 0 || x >= img.width || deltaE76(labInto(img.data, (y * img.width + x) * 3, lab), edge) > HAIR_DELTA_E) break;
      run++;
    }
    // Two pixels short of the subject: its anti-aliased outline is neither backdrop nor subject.
    run -= 2;
    if (run <= 0) continue;
    const segment = Math.floor((y - fromY) / SIDE_SEGMENT_ROWS);
    (bands[segment] ??= []).push(side === 'left' ? { x0: edgeX, y0: y, x1: edgeX + run, y1: y + 1 } : { x0: edgeX - run + 1, y0: y, x1: edgeX + 1, y1: y + 1 });
  }
  return bands.filter((b) => b !== undefined);
}

/**
 * Colour, spread and gradient of the backdrop. Each band (a list of boxes whose pixels are pooled) gives one
 * median colour; the gradient is the largest CIEDE2000 distance between two bands' medians.
 */
function measureBackground(img: RawImage, bands: Box[][]) {
  const medians: Lab[] = [];
  const regions = bands.flat();
  // Every other pixel of every region: plenty of samples, a quarter of the work.
  const capacity = regions.reduce((n, r) => n + Math.max(0, Math.ceil((r.x1 - r.x0) / 2) * Math.ceil((r.y1 - r.y0) / 2)), 0);
  const Ls = new Float32Array(capacity);
  const As = new Float32Array(capacity);
  const Bs = new Float32Array(capacity);
  const lab: Lab = { L: 0, a: 0, b: 0 };
  let count = 0;
  let r = 0;
  let g = 0;
  let b = 0;
  for (const band of bands) {
    const from = count;
    for (const raw of band) {
      const box = clampBox(raw, img);
      for (let y = box.y0; y < box.y1; y += 2) {
        for (let x = box.x0; x < box.x1; x += 2) {
          const i = (y * img.width + x) * 3;
          labInto(img.data, i, lab);
          Ls[count] = lab.L;
          As[count] = lab.a;
          Bs[count] = lab.b;
          r += img.data[i]!;
          g += img.data[i + 1]!;
          b += img.data[i + 2]!;
          count++;
        }
      }
    }
    // Each band's median colour: a lock of hair reaching into a band does not make a gradient.
    const n = count - from;
    if (n >= 30) {
      const mid = (v: Float32Array) => Float32Array.from(v.subarray(from, count)).sort()[Math.floor(n / 2)]!;
      medians.push({ L: mid(Ls), a: mid(As), b: mid(Bs) });
    }
  }
  if (count === 0) return { meanLab: { L: 0, a: 0, b: 0 }, meanRgb: { r: 0, g: 0, b: 0 }, spread: 0, gradient: 0, samples: 0 };
  const meanLab = { L: 0, a: 0, b: 0 };
  for (let k = 0; k < count; k++) {
    meanLab.L += Ls[k]! / count;
    meanLab.a += As[k]! / count;
    meanLab.b += Bs[k]! / count;
  }
  // 90th percentile of the distance to the mean: a few hair strands at a band's edge do not count, clutter does.
  const distances = new Float32Array(count);
  for (let k = 0; k < count; k++) distances[k] = Math.hypot(Ls[k]! - meanLab.L, As[k]! - meanLab.a, Bs[k]! - meanLab.b);
  distances.sort();
  const spread = distances[Math.floor(0.9 * (count - 1))]!;
  let gradient = 0;
  for (let i = 0; i < medians.length; i++) {
    for (let j = i + 1; j < medians.length; j++) gradient = Math.max(gradient, deltaE2000(medians[i]!, medians[j]!));
  }
  return { meanLab, meanRgb: { r: r / count, g: g / count, b: b / count }, spread, gradient, samples: count };
}

/** Luma statistics and variance of the (4-neighbour) Laplacian over a box of the output. */
function measureFace(img: RawImage, raw: Box) {
  const box = clampBox(raw, img);
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  if (w < 3 || h < 3) return { exposure: { meanLuma: 0, highlights: 0, shadows: 0, contrast: 0 }, laplacianVariance: 0, lumaVariance: 0 };
  const luma = new Float32Array(w * h);
  let sum = 0;
  let sum2 = 0;
  let high = 0;
  let low = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = ((y + box.y0) * img.width + x + box.x0) * 3;
      const v = 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
      luma[y * w + x] = v;
      sum += v;
      sum2 += v * v;
      if (v >= 250) high++;
      if (v <= 8) low++;
    }
  }
  const n = w * h;
  const mean = sum / n;
  let lsum = 0;
  let lsum2 = 0;
  let ln = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const k = y * w + x;
      const lap = luma[k - 1]! + luma[k + 1]! + luma[k - w]! + luma[k + w]! - 4 * luma[k]!;
      lsum += lap;
      lsum2 += lap * lap;
      ln++;
    }
  }
  return {
    exposure: { meanLuma: mean, highlights: high / n, shadows: low / n, contrast: Math.sqrt(Math.max(0, sum2 / n - mean * mean)) },
    laplacianVariance: ln > 0 ? lsum2 / ln - (lsum / ln) ** 2 : 0,
    lumaVariance: Math.max(0, sum2 / n - mean * mean),
  };
}

// ---------------------------------------------------------------- the pipeline

function scaleFace(f: DetectedFace, k: number): DetectedFace {
  const p = (q: Point) => ({ x: q.x * k, y: q.y * k });
  return {
    score: f.score,
    box: { x: f.box.x * k, y: f.box.y * k, width: f.box.width * k, height: f.box.height * k },
    rightEye: p(f.rightEye),
    leftEye: p(f.leftEye),
    nose: p(f.nose),
    mouth: p(f.mouth),
    rightEar: p(f.rightEar),
    leftEar: p(f.leftEar),
  };
}

/**
 * Analyses one camera photo: finds the face, crops and encodes the F1/F2 JPEG, and measures every check.
 * With two or more faces the largest one is cropped and `faces` fails; with none there is no crop.
 */
export async function analysePhoto(decoded: DecodedPhotoSource, detector: FaceDetector): Promise<PhotoAnalysis> {
  const timingsMs: Record<string, number> = {};
  const start = performance.now();
  let mark = start;
  const lap = (name: string) => {
    const now = performance.now();
    timingsMs[name] = Math.round((now - mark) * 10) / 10;
    mark = now;
  };

  // decode: once, with JPEG shrink-on-load by the largest power of two that keeps WORK_MIN_LONG_SIDE pixels
  // (24 MP → 1/4, 12 MP → 1/2); a ≤ DETECT_MAX_SIDE copy of it feeds the detector, the background and the hair.
  const longSide = Math.max(decoded.width, decoded.height);
  let shrink = 8;
  while (shrink > 1 && longSide / shrink < WORK_MIN_LONG_SIDE) shrink /= 2;
  const workW = Math.max(1, Math.round(decoded.width / shrink));
  const workH = Math.max(1, Math.round(decoded.height / shrink));
  const work = await decodeRaw(shrink === 1 ? decoded.open() : decoded.open().resize(workW, workH, { fit: 'fill' }));
  const small = await toRaw(sharp(work.data, rawInput(work)).resize(DETECT_MAX_SIDE, DETECT_MAX_SIDE, { fit: 'inside', withoutEnlargement: true }));
  const cameraPerSmall = decoded.width / small.width;
  lap('decode');

  const faces = await detector.detect(small.data, small.width, small.height);
  lap('detect');
  const finish = (standardJpeg: Buffer | null, checks: PhotoChecks, face: DetectedFace | null): PhotoAnalysis => {
    timingsMs.total = Math.round((performance.now() - start) * 10) / 10;
    return { standardJpeg, checks, face: face && scaleFace(face, cameraPerSmall), timingsMs };
  };
  if (faces.length === 0) return finish(null, checksWithoutFace(0), null);
  // The subject is the largest face; any other face fails the faces check (C2: nobody else in the picture).
  const face = faces.reduce((a, b) => (faceWidthOf(b) > faceWidthOf(a) ? b : a));

  const bgRgb = sampleBackgroundColour(small);
  const bgLab = labAt(Buffer.from([bgRgb.r, bgRgb.g, bgRgb.b]), 0);
  const eyeMid = { x: (face.rightEye.x + face.leftEye.x) / 2, y: (face.rightEye.y + face.leftEye.y) / 2 };
  const fw = faceWidthOf(face);
  const hairTop = findHairTop(small, bgLab, (face.rightEar.x + face.leftEar.x) / 2, eyeMid.y - fw * 0.15, fw);
  const plan = planStandardCrop({ imageWidth: small.width, imageHeight: small.height, sourcePxPerImagePx: cameraPerSmall, face, hairTop });
  const pose = checkPose({ roll: rollDegrees(face.rightEye, face.leftEye), yaw: yawDegrees(face) });
  const facesCheck = checkFaces(faces.length);
  if (!plan) {
    const because = { zh: '无法裁出 480 × 640 的标准照', en: 'no 480 × 640 frame could be cut' };
    const geometry = checkGeometry({ cropPossible: false, eyeY: 0, faceWidth: 0, hairTop: null, offsetX: 0, upscale: 0, cameraFaceWidth: fw * cameraPerSmall });
    const notMeasured = (['format', 'background', 'exposure', 'sharpness'] as const).map((id) => notChecked(id, because));
    lap('crop');
    return finish(null, summarisePhotoChecks([facesCheck, pose, geometry, ...notMeasured]), face);
  }

  // The crop comes from the working copy when the face there is at least WORK_OVERSAMPLE × its output width
  // (the final resize then only shrinks); otherwise (a loosely framed face) its region is decoded again at
  // the coarsest finer scale that is.
  const cameraFaceWidth = fw * cameraPerSmall;
  const needed = plan.predicted.faceWidth * WORK_OVERSAMPLE;
  let cropShrink = shrink;
  while (cropShrink > 1 && cameraFaceWidth / cropShrink < needed) cropShrink /= 2;
  let out: RawImage;
  if (cropShrink === shrink) {
    out = await renderCrop((box) => toRaw(sharp(work.data, rawInput(work)).extract(box)), work.width, work.height, scalePlan(plan, work.width / small.width), bgRgb);
  } else {
    const w = Math.max(1, Math.round(decoded.width / cropShrink));
    const h = Math.max(1, Math.round(decoded.height / cropShrink));
    const source = () => (cropShrink === 1 ? decoded.open() : decoded.open().resize(w, h, { fit: 'fill' }));
    out = await renderCrop((box) => decodeRaw(source().extract(box)), w, h, scalePlan(plan, w / small.width), bgRgb);
  }
  lap('crop');

  // checks, measured on the output itself.
  const m = (p: Point) => mapToOutput(plan, p);
  const re = m(face.rightEye);
  const le = m(face.leftEye);
  const rEar = m(face.rightEar);
  const lEar = m(face.leftEar);
  const mouth = m(face.mouth);
  const eyeY = (re.y + le.y) / 2;
  const faceWidth = Math.hypot(lEar.x - rEar.x, lEar.y - rEar.y);
  const centreX = (rEar.x + lEar.x) / 2;
  let hairTopOut: number | null = null;
  if (hairTop) {
    const outBg = sampleBackgroundColour(out);
    const found = findHairTop(out, labAt(Buffer.from([outBg.r, outBg.g, outBg.b]), 0), centreX, eyeY - faceWidth * 0.15, faceWidth);
    hairTopOut = found ? found.y : 0;
  }
  const geometry = checkGeometry({
    cropPossible: true,
    eyeY,
    faceWidth,
    hairTop: hairTopOut,
    offsetX: centreX - PHOTO_STANDARD.width / 2,
    upscale: plan.predicted.upscale,
    cameraFaceWidth,
  });

  // Background over the whole frame around the subject (F3, issue 8 finding 12): a band above the hair, two
  // bands beside the head down to the eye line, and below it the backdrop beside the neck and shoulders on each
  // side, band by band, down to where the shoulders reach the frame's edge.
  const margin = 6;
  const headHalf = faceWidth * 0.72;
  const topBandBottom = Math.min(hairTopOut ?? 0, 60) - 8;
  const sideWidth = Math.max(0, centreX - headHalf - 8);
  const background = checkBackground(
    measureBackground(out, [
      [{ x0: margin, y0: margin, x1: PHOTO_STANDARD.width - margin, y1: topBandBottom }],
      [{ x0: margin, y0: margin, x1: Math.min(70, centreX - headHalf - 8), y1: eyeY }],
      [{ x0: Math.max(PHOTO_STANDARD.width - 70, centreX + headHalf + 8), y0: margin, x1: PHOTO_STANDARD.width - margin, y1: eyeY }],
      ...lowerSideBands(out, eyeY, 'left', margin, Math.max(sideWidth, centreX - margin)),
      ...lowerSideBands(out, eyeY, 'right', margin, Math.max(sideWidth, PHOTO_STANDARD.width - margin - centreX)),
    ]),
  );
  // Exposure and sharpness on the inner face: between the ears' inner 70 %, from just above the eyes to the mouth.
  const faceStats = measureFace(out, { x0: centreX - faceWidth * 0.35, y0: eyeY - faceWidth * 0.12, x1: centreX + faceWidth * 0.35, y1: mouth.y + faceWidth * 0.05 });
  const exposure = checkExposure(faceStats.exposure);
  const sharpness = checkSharpness({ laplacianVariance: faceStats.laplacianVariance, lumaVariance: faceStats.lumaVariance });
  lap('checks');

  const { jpeg, quality } = await encodeStandardJpeg(out);
  const meta = await sharp(jpeg).metadata();
  const format = checkFormat({
    width: meta.width ?? 0,
    height: meta.height ?? 0,
    channels: meta.channels ?? 0,
    dpi: meta.density ?? 0,
    quality,
    bytes: jpeg.length,
    metadataStripped: !meta.exif && !meta.xmp && !meta.iptc && !meta.icc,
  });
  lap('encode');
  return finish(jpeg, summarisePhotoChecks([format, geometry, background, exposure, sharpness, facesCheck, pose]), face);
}
