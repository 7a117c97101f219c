// The photo adapters behind one interface (issue #4): blob store, keyring and the analysis pipeline
// (decode with safe limits → detect → crop → check). Opened once per process by services/runtime.ts.
import path from 'node:path';
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
}

/**
 * Blob store and keyring of a data directory (the photo key file is created on first start with mode
 * 0600), and the analysis pipeline whose face detector is created at first use and closed by close().
 */
export async function openPhotoDeps(opts: OpenPhotoDepsOptions): Promise<PhotoDeps> {
  const keyring = await openPhotoKeyring(opts.dataDir, opts.photoKey);
  const blobs = await openBlobStore({ url: opts.blobStoreUrl, localRoot: path.join(opts.dataDir, 'blobs'), installationId: opts.installationId });
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
    keyring,
    blobs,
    dataDir: opts.dataDir,
    orphanGraceMs: opts.orphanGraceMs,
    async analyse(bytes) {
      const { decodeCameraPhoto, analysePhoto } = await pipeline();
      const decoded = await decodeCameraPhoto(bytes);
      const result = await analysePhoto(decoded, await getDetector());
      return { standardJpeg: result.standardJpeg, checks: result.checks };
    },
    async close() {
      await blobs.close();
      if (!detector) return;
      const d = await detector.catch(() => undefined);
      detector = undefined;
      await d?.close();
    },
  };
}

