// The photo analysis on its own thread (issue 11 section 3, T10): decode (safe limits) → detect → crop → check,
// run where its pixel loops and the face detector's tensor work cannot hold up the server's event loop.
// Started by photo-pipeline.ts through photo-analysis-worker.mjs (which registers the TypeScript loader).
// Messages: in { id, bytes } | { id, warmUp: true }; out { id, standardJpeg, checks } | { id, error } | { id, ready }.
import { parentPort } from 'node:worker_threads';
import { decodeCameraPhoto } from './image-decode.js';
import { analysePhoto } from './photo-analysis.js';
import { createFaceDetector } from './face-detector.js';
import type { FaceDetector } from './face-detector.js';
import { isAppError } from '../domain/errors.js';

export type AnalysisRequest = { id: number; bytes: Uint8Array } | { id: number; warmUp: true };
export type AnalysisReply =
  | { id: number; ready: true }
  | { id: number; standardJpeg: Uint8Array | null; checks: unknown }
  /** an AppError thrown by the decoder or the analysis (PHOTO_TRUNCATED …): rebuilt with the same code on the other side */
  | { id: number; error: { code: string; params: Record<string, string | number>; details: unknown; message: string } }
  /** anything else: a bug or a library failure, reported by its message only */
  | { id: number; failure: string };

let detector: Promise<FaceDetector> | undefined;
const getDetector = () => {
  detector ??= createFaceDetector();
  detector.catch(() => (detector = undefined));
  return detector;
};

async function handle(msg: AnalysisRequest): Promise<{ reply: AnalysisReply; transfer: ArrayBuffer[] }> {
  try {
    if ('warmUp' in msg) {
      await getDetector();
      return { reply: { id: msg.id, ready: true }, transfer: [] };
    }
    const bytes = Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength);
    const decoded = await decodeCameraPhoto(bytes);
    const result = await analysePhoto(decoded, await getDetector());
    const jpeg = result.standardJpeg ? new Uint8Array(result.standardJpeg) : null; // a copy that owns its ArrayBuffer
    return { reply: { id: msg.id, standardJpeg: jpeg, checks: result.checks }, transfer: jpeg ? [jpeg.buffer as ArrayBuffer] : [] };
  } catch (e) {
    if (isAppError(e)) return { reply: { id: msg.id, error: { code: e.code, params: e.params, details: e.details, message: e.message } }, transfer: [] };
    return { reply: { id: msg.id, failure: e instanceof Error ? e.message : String(e) }, transfer: [] };
  }
}

parentPort?.on('message', (msg: AnalysisRequest) => {
  void handle(msg).then(({ reply, transfer }) => parentPort!.postMessage(reply, transfer));
});
