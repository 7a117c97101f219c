// One TCP connection speaking HTTP/1.1 by hand: what fetch hides (keep-alive reuse, a request cut
// short, the server closing the connection) is what the hardening tests of issue 8 look at.
import crypto from 'node:crypto';
import net from 'node:net';

export interface RawResponse {
  status: number;
  /** header names in lower case */
  headers: Record<string, string>;
  body: string;
}

/** Parses one response at the start of `buf`; undefined while it is incomplete. */
function parseResponse(buf: Buffer, ended: boolean): { response: RawResponse; length: number } | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const start = headEnd + 4;
  if (headers['content-length'] !== undefined) {
    const end = start + Number(headers['content-length']);
    if (buf.length < end) return undefined;
    return { response: { status, headers, body: buf.subarray(start, end).toString('utf8') }, length: end };
  }
  if (headers['transfer-encoding']?.includes('chunked')) {
    const chunks: Buffer[] = [];
    let pos = start;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
      if (buf.length < lineEnd + 2 + size + 2) return undefined;
      if (size === 0) return { response: { status, headers, body: Buffer.concat(chunks).toString('utf8') }, length: lineEnd + 4 };
      chunks.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      pos = lineEnd + 2 + size + 2;
    }
  }
  // No length: the body runs to the end of the connection.
  if (!ended) return undefined;
  return { response: { status, headers, body: buf.subarray(start).toString('utf8') }, length: buf.length };
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  /** the server closed (or reset) the connection */
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    const onEnd = () => {
      this.closed = true;
      this.wake?.();
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    // A write after the server closed (EPIPE, ECONNRESET) is an outcome the tests look at, not a failure.
    socket.on('error', onEnd);
  }

  static open(url: string): Promise<RawConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || this.socket.destroyed) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** The next response on this connection, or 'closed' when the server closed it first. */
  async readResponse(): Promise<RawResponse | 'closed'> {
    for (;;) {
      const parsed = parseResponse(this.buffer, this.closed);
      if (parsed) {
        this.buffer = this.buffer.subarray(parsed.length);
        return parsed.response;
      }
      if (this.closed) return 'closed';
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface MultipartPart {
  name: string;
  value: string | Buffer;
  /** present: a file part */
  fileName?: string;
}

/** A multipart/form-data body with its boundary, parts in the order given. */
export function multipartBody(parts: MultipartPart[]): { body: Buffer; contentType: string } {
  const boundary = '----gradphoto' + crypto.randomBytes(8).toString('hex');
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = p.fileName === undefined ? `form-data; name="${p.name}"` : `form-data; name="${p.name}"; filename="${p.fileName}"\r\nContent-Type: image/jpeg`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`), Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The bytes of a request with a body, keep-alive (HTTP/1.1's default). */
export function rawRequest(method: string, path: string, headers: Record<string, string>, body?: Buffer): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body ?? Buffer.alloc(0)]);
}
