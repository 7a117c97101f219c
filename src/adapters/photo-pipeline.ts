// The photo adapters behind one interface (issue #4): blob store, keyring and the analysis pipeline
// (decode with safe limits → detect → crop → check). Opened once per process by services/runtime.ts.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '../domain/errors.js';
import type { ErrorCode } from '../domain/errors.js';
import type { AnalysisReply, AnalysisRequest } from './photo-analysis-worker.js';
import type { BlobStore } from './blob-store.js';
import { openBlobStore } from './s3-blob-store.js';
import type { PhotoKeyring } from './envelope-crypto.js';
import { openPhotoKeyring } from './envelope-crypto.js';
import type { FaceDetector } from './face-detector.js';
import type { PhotoCheck } from '../domain/photo-standard.js';

/** What the photo use cases need besides the database: blobs, keys and the analysis pipeline. */
export interface PhotoDeps {
  /** the local directory, or the S3-compatible store of BLOB_STORE_URL (issue 11 section 1) */
  blobs: BlobStore;
  /** the data directory (keys, exports): not where the blobs are when they are in an object store */
  dataDir: string;
  keyring: PhotoKeyring;
  /** decode (safe limits) → detect → crop → check; the face detector is loaded once per process, on first use */
  analyse(bytes: Buffer): Promise<PhotoAnalysisResult>;
  /**
   * Loads the pipeline and the face detector now rather than on the first upload (`serve` calls it at start,
   * so that the first photo after a restart does not wait for ONNX Runtime, nor hold up other requests).
   */
  warmUp(): Promise<void>;
  /** blobs without a row younger than this are left alone by the sweep (an upload may be in flight) */
  orphanGraceMs: number;
  close(): Promise<void>;
}

export interface PhotoAnalysisResult {
  standardJpeg: Buffer | null;
  checks: { checks: PhotoCheck[]; accepted: boolean };
}

export interface OpenPhotoDepsOptions {
  dataDir: string;
  /** GRADPHOTO_PHOTO_KEY: base64 of 32 bytes, or `1:<b64>,2:<b64>` */
  photoKey?: string | undefined;
  orphanGraceMs: number;
  /** BLOB_STORE_URL (`s3://bucket/prefix?endpoint=…`); absent = `<data>/blobs` */
  blobStoreUrl?: string | undefined;
  /** this database's installation id: an S3 prefix is bound to it (another installation's prefix is refused) */
  installationId?: string | undefined;
  /**
   * Where the analysis runs: 'thread' (what `serve` uses) on a worker thread of its own, so that its pixel loops
   * and the detector never delay other requests (T10); 'inline' (the default, for the CLI and tests that build
   * a runtime per test) on the calling thread. Same code, same results.
   */
  analysis?: 'thread' | 'inline';
}

/**
 * Blob store and keyring of a data directory (the photo key file is created on first start with mode
 * 0600), and the analysis pipeline whose face detector is created at first use and closed by close().
 */
export async function openPhotoDeps(opts: OpenPhotoDepsOptions): Promise<PhotoDeps> {
  const keyring = await openPhotoKeyring(opts.dataDir, opts.photoKey);
  const blobs = await openBlobStore({ url: opts.blobStoreUrl, localRoot: path.join(opts.dataDir, 'blobs'), installationId: opts.installationId });
  const analyser = opts.analysis === 'thread' ? analysisThread() : inlineAnalyser();
  return {
    keyring,
    blobs,
    dataDir: opts.dataDir,
    orphanGraceMs: opts.orphanGraceMs,
    analyse: (bytes) => analyser.analyse(bytes),
    warmUp: () => analyser.warmUp(),
    async close() {
      await blobs.close();
      await analyser.close();
    },
  };
}

export interface Analyser {
  analyse(bytes: Buffer): Promise<PhotoAnalysisResult>;
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

/** The pipeline on the calling thread; the face detector is created at first use (or warmUp) and closed by close(). */
function inlineAnalyser(): Analyser {
  let detector: Promise<FaceDetector> | undefined;
  // Loaded on first use: the CLI and the services that only flag photos (E7) never load ONNX Runtime or sharp.
  const pipeline = async () => {
    const [decode, analysis] = await Promise.all([import('./image-decode.js'), import('./photo-analysis.js')]);
    return { decodeCameraPhoto: decode.decodeCameraPhoto, analysePhoto: analysis.analysePhoto };
  };
  const getDetector = () => {
    detector ??= import('./face-detector.js').then((m) => m.createFaceDetector());
    detector.catch(() => (detector = undefined));
    return detector;
  };
  return {
    async analyse(bytes) {
      const { decodeCameraPhoto, analysePhoto } = await pipeline();
      const decoded = await decodeCameraPhoto(bytes);
      const result = await analysePhoto(decoded, await getDetector());
      return { standardJpeg: result.standardJpeg, checks: result.checks };
    },
    async warmUp() {
      await Promise.all([pipeline(), getDetector()]);
    },
    async close() {
      if (!detector) return;
      const d = await detector.catch(() => undefined);
      detector = undefined;
      await d?.close();
    },
  };
}

/** How long close() waits for a warm-up still loading the thread's native modules. */
const WARM_UP_WAIT_MS = 15_000;

/**
 * The pipeline on one worker thread (photo-analysis-worker.ts), started at first use or warmUp. Photos are
 * copied to it (the caller keeps its buffer); the standard JPEG comes back transferred. Refusals keep their
 * code (PHOTO_TRUNCATED …). If the thread dies (a bug, memory), the photos it held are answered SERVER_BUSY
 * (try again) and the next photo starts a new thread.
 */
export function analysisThread(entry: URL = new URL('./photo-analysis-worker.mjs', import.meta.url)): Analyser {
  let worker: Worker | undefined;
  let warming: Promise<unknown> | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve(r: AnalysisReply): void; reject(e: unknown): void }>();
  const failAll = (why: string) => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new AppError('SERVER_BUSY', { details: { reason: why } }));
    }
  };
  const start = () => {
    if (worker) return worker;
    const w = new Worker(entry);
    w.on('message', (reply: AnalysisReply) => {
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      p?.resolve(reply);
    });
    w.on('error', (e) => {
      if (worker === w) worker = undefined;
      failAll(`photo analysis thread failed: ${e.message}`);
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(`photo analysis thread exited (${code})`);
    });
    // The thread keeps the process alive only while a photo is in it (see call), not a CLI command or a test.
    w.unref();
    worker = w;
    return w;
  };
  const call = (msg: Omit<AnalysisRequest, 'id'>, transfer: ArrayBuffer[] = []) =>
    new Promise<AnalysisReply>((resolve, reject) => {
      const id = nextId++;
      const w = start();
      const settle = () => {
        if (pending.size === 0) w.unref();
      };
      pending.set(id, {
        resolve: (r) => (resolve(r), settle()),
        reject: (e) => (reject(e), settle()),
      });
      w.ref();
      w.postMessage({ ...msg, id }, transfer);
    });
  return {
    async analyse(bytes) {
      const copy = new Uint8Array(bytes); // the caller's Buffer may be a view of a shared pool: copy, then transfer the copy
      const reply = await call({ bytes: copy }, [copy.buffer]);
      if ('error' in reply) {
        const e = reply.error;
        throw new AppError(e.code as ErrorCode, { params: e.params, details: e.details, message: e.message });
      }
      if ('failure' in reply) throw new Error(`photo analysis: ${reply.failure}`);
      if (!('checks' in reply)) throw new Error('photo analysis: unexpected reply');
      const jpeg = reply.standardJpeg;
      return {
        standardJpeg: jpeg ? Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength) : null,
        checks: reply.checks as PhotoAnalysisResult['checks'],
      };
    },
    async warmUp() {
      const reply = call({ warmUp: true });
      warming = reply.catch(() => undefined);
      const r = await reply;
      if ('failure' in r) throw new Error(`photo analysis: ${r.failure}`);
    },
    async close() {
      // A thread torn down while it loads ONNX Runtime and sharp can abort the whole process (their native code
      // throws into a thread that is going away): a stop right after the start lets the loading finish first.
      if (warming) await Promise.race([warming, new Promise((resolve) => setTimeout(resolve, WARM_UP_WAIT_MS).unref())]);
      const w = worker;
      worker = undefined;
      failAll('the server is stopping');
      await w?.terminate();
    },
  };
}
