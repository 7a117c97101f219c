import { AppError } from '../domain/errors.js';

/**
 * Bounds photo uploads (issue 8 finding 8): 60 parallel 39 MB uploads took the server to 5.3 GB and
 * /api/health to 4.5 s. At most `maxInFlight` uploads are read and processed at once, counted from the
 * moment their body starts to be read, so their buffers are bounded too; up to `maxWaiting` more wait
 * (their bodies unread: the socket's own buffers hold them) for at most `maxWaitMs`; the rest are
 * refused at once with SERVER_BUSY (503, Retry-After) and the station agent sends again later.
 */
export interface UploadGate {
  /** Waits for a place; the function returned gives it back (calling it twice is harmless). */
  acquire(): Promise<() => void>;
  readonly inFlight: number;
  readonly waiting: number;
}

export interface UploadGateOptions {
  maxInFlight: number;
  maxWaiting: number;
  maxWaitMs: number;
  /** what Retry-After says */
  retryAfterSeconds: number;
}

export function createUploadGate(opts: UploadGateOptions): UploadGate {
  let inFlight = 0;
  const queue: { grant: () => void }[] = [];
  const busy = () => new AppError('SERVER_BUSY', { params: { limit: opts.maxInFlight, seconds: opts.retryAfterSeconds } });

  const release = () => {
    const next = queue.shift();
    if (next) next.grant();
    else inFlight--;
  };
  const place = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };

  return {
    get inFlight() {
      return inFlight;
    },
    get waiting() {
      return queue.length;
    },
    acquire() {
      if (inFlight < opts.maxInFlight) {
        inFlight++;
        return Promise.resolve(place());
      }
      if (queue.length >= opts.maxWaiting) return Promise.reject(busy());
      return new Promise((resolve, reject) => {
        const entry = {
          // The place of the upload that finished passes straight to this one: inFlight stays as it is.
          grant: () => {
            clearTimeout(timer);
            resolve(place());
          },
        };
        const timer = setTimeout(() => {
          const at = queue.indexOf(entry);
          if (at >= 0) queue.splice(at, 1);
          reject(busy());
        }, opts.maxWaitMs);
        queue.push(entry);
      });
    },
  };
}
