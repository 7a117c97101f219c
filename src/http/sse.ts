// One Server-Sent Events response for the streams of the HTTP layer (streamSessionCounts, streamBoard). The
// caller's hub registers a client first, so refusals (not allowed, too many streams, unknown site) are ordinary
// JSON errors thrown before the response is hijacked; then the headers set so far (helmet's) are copied onto
// the raw response, `retry` is sent, a comment line keeps proxies from closing an idle stream, and the client
// is released whichever side closes.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What a hub writes to one open stream. */
export interface SseWriter {
  /** one event with its JSON data (nothing once the stream is closed) */
  event(name: string, data: unknown): void;
  /** ends the stream (server shutdown, session ended) */
  end(): void;
}

export interface SseOptions {
  heartbeatMs: number;
  /** names the stream in the log when its first message fails */
  label: string;
  /** registers the writer with the hub; throws an AppError to refuse the stream */
  connect(writer: SseWriter): Promise<{ ready: Promise<void>; release: () => void }> | { ready: Promise<void>; release: () => void };
}

export async function serveSse(request: FastifyRequest, reply: FastifyReply, opts: SseOptions): Promise<void> {
  const raw = reply.raw;
  let open = true;
  const writer: SseWriter = {
    event(name, data) {
      if (open) raw.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (!open) return;
      open = false;
      raw.end();
    },
  };
  const { ready, release } = await opts.connect(writer);
  reply.hijack();
  const headers: Record<string, string | number | string[]> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
  raw.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // nginx and similar proxies must not buffer the stream
    'x-accel-buffering': 'no',
  });
  raw.write('retry: 3000\n\n');
  const heartbeat = setInterval(() => open && raw.write(': heartbeat\n\n'), opts.heartbeatMs);
  heartbeat.unref();
  const cleanUp = () => {
    open = false;
    clearInterval(heartbeat);
    release();
  };
  request.raw.on('close', cleanUp);
  raw.on('close', cleanUp);
  raw.on('error', cleanUp);
  try {
    await ready;
  } catch (e) {
    request.log.error({ err: e }, `${opts.label}: first snapshot failed`);
    writer.end();
    cleanUp();
  }
}
