import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';

/**
 * The one multipart reader of the app (issue 8, structure 2 and finding 5): photo and roster uploads.
 *
 * Files are read into memory, never spooled to disk (no plain-text face or roster on disk, A3). Every
 * refusal names its limit, and leaves the connection usable: the rest of a refused body is read and
 * thrown away, up to the upload limit, before the answer (then the client, still sending, reads the
 * answer rather than a reset connection, and the next request on the keep-alive connection is parsed
 * as usual); beyond the bound the answer carries `Connection: close` (app.ts adds it to any answer sent
 * before its request's body was read to the end) so that the server closes the connection after it.
 * Without this the parser stopped mid-body, the rest stayed unread in the socket, and the client's next
 * request on that connection waited for the server's timeouts (~73 s).
 */
export interface UploadLimits {
  /** the form field holding the file */
  fileField: string;
  maxFileBytes: number;
  /** the limit as the refusal shows it, e.g. '40 MB' */
  maxFileText: string;
  /** form fields besides the file */
  maxFields: number;
  /** bytes of one field's value */
  maxFieldBytes: number;
}

export interface Upload {
  bytes: Buffer;
  fileName: string;
  fields: Record<string, string>;
}

/** The client stopped sending half-way: there is nobody to answer. */
export class UploadAborted extends Error {}

/** Beyond the upload limit, what a refused body still sends is not waited for: the connection is closed. */
const DRAIN_MARGIN_BYTES = 1024 * 1024;
/** How long a refused body may take to arrive before the connection is closed instead. */
const DRAIN_MAX_MS = 30_000;

/** 100 MiB → '100 MB', 1.5 MiB → '1.5 MB': a limit as a refusal names it. */
export function formatMegabytes(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
}

/** A refusal's detail in the caller's language (VALIDATION_FAILED says "请求内容不正确：{detail}" in Chinese). */
function say(request: FastifyRequest, zh: string, en: string): string {
  return request.lang === 'en' ? en : zh;
}

/** Reads one file and a few fields, in whatever order they come (photo uploads send fields first or last). */
export async function readUpload(request: FastifyRequest, limits: UploadLimits): Promise<Upload> {
  if (!request.isMultipart()) {
    await releaseRequestBody(request, limits.maxFileBytes + DRAIN_MARGIN_BYTES);
    throw new AppError('VALIDATION_FAILED', { params: { detail: say(request, `应以 multipart/form-data 上传，文件放在“${limits.fileField}”字段中`, `multipart/form-data with a "${limits.fileField}" field expected`) } });
  }
  const fields: Record<string, string> = {};
  let file: { bytes: Buffer; fileName: string } | undefined;
  try {
    const parts = request.parts({
      // Files and fields are counted here, not by the parser: its limit events race the part being read
      // (the 11th field ended as a "Premature close" 500 of the file stream, not as the limit).
      limits: { fileSize: limits.maxFileBytes, files: Infinity, fields: Infinity, fieldSize: limits.maxFieldBytes },
    });
    let fieldCount = 0;
    for await (const part of parts) {
      if (part.type === 'file') {
        if (file) throw new AppError('UPLOAD_TOO_MANY_FILES', { params: { limit: 1, field: limits.fileField } });
        if (part.fieldname !== limits.fileField) {
          throw new AppError('VALIDATION_FAILED', {
            params: { detail: say(request, `文件应放在“${limits.fileField}”字段中，而不是“${part.fieldname}”`, `unexpected file field "${part.fieldname}", expected "${limits.fileField}"`) },
            details: [{ field: part.fieldname, message: say(request, `文件应放在“${limits.fileField}”字段中`, `the file goes in "${limits.fileField}"`) }],
          });
        }
        const bytes = await readFilePart(part.file, Math.min(Number(request.headers['content-length']) || 0, limits.maxFileBytes));
        if (part.file.truncated) throw new AppError('FILE_TOO_LARGE', { params: { limit: limits.maxFileText } });
        file = { bytes, fileName: part.filename };
      } else {
        if (++fieldCount > limits.maxFields) throw new AppError('UPLOAD_TOO_MANY_FIELDS', { params: { limit: limits.maxFields } });
        if (part.valueTruncated) {
          throw new AppError('VALIDATION_FAILED', {
            params: { detail: say(request, `${part.fieldname}：超过 ${limits.maxFieldBytes} 字节`, `${part.fieldname}: longer than ${limits.maxFieldBytes} bytes`) },
            details: [{ field: part.fieldname, message: say(request, `最多 ${limits.maxFieldBytes} 字节`, `at most ${limits.maxFieldBytes} bytes`) }],
          });
        }
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (e) {
    if (request.raw.aborted || (request.raw.destroyed && !request.raw.complete)) throw new UploadAborted('upload cut off');
    await releaseRequestBody(request, limits.maxFileBytes + DRAIN_MARGIN_BYTES);
    throw translatePluginError(e, limits, request);
  }
  // A request cut off half-way is never stored, whatever the parser made of its end.
  if (!request.raw.complete) throw new UploadAborted('upload cut off');
  if (!file) {
    throw new AppError('VALIDATION_FAILED', {
      params: { detail: say(request, `缺少文件字段“${limits.fileField}”`, `the "${limits.fileField}" field is missing`) },
      details: [{ field: limits.fileField, message: say(request, '必须填写', 'required') }],
    });
  }
  return { ...file, fields };
}

/**
 * The file's bytes, copied chunk by chunk into one buffer sized from the request's Content-Length (the
 * file is smaller than its request). Collecting the chunks and joining them at the end (toBuffer) copied
 * a 39 MB photo in one go, 60–120 ms during which no other request was answered (issue 8 finding 8).
 */
async function readFilePart(stream: AsyncIterable<Buffer>, expectedBytes: number): Promise<Buffer> {
  let buffer = Buffer.allocUnsafe(expectedBytes);
  let length = 0;
  for await (const chunk of stream) {
    if (length + chunk.length > buffer.length) {
      // No Content-Length (a chunked request): grow by doubling, as rarely as possible.
      const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, length + chunk.length, 64 * 1024));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    chunk.copy(buffer, length);
    length += chunk.length;
  }
  return buffer.subarray(0, length);
}

/** @fastify/multipart's limit errors as our codes, each naming its limit (never "上限 " with nothing after it). */
function translatePluginError(e: unknown, limits: UploadLimits, request: FastifyRequest): unknown {
  switch ((e as { code?: string }).code) {
    case 'FST_FIELDS_LIMIT':
      return new AppError('UPLOAD_TOO_MANY_FIELDS', { params: { limit: limits.maxFields } });
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new AppError('UPLOAD_TOO_MANY_FILES', { params: { limit: 1, field: limits.fileField } });
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('FILE_TOO_LARGE', { params: { limit: limits.maxFileText } });
    case 'FST_PROTO_VIOLATION':
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return new AppError('VALIDATION_FAILED', { params: { detail: say(request, '表单字段的名称或内容不允许', 'a form field name or value is not allowed') } });
    default:
      // busboy's own complaints about a malformed body ("Unexpected end of form", a bad boundary …)
      if (e instanceof Error && !(e instanceof AppError) && /multipart|boundary|form|part/i.test(e.message)) {
        return new AppError('VALIDATION_FAILED', { params: { detail: say(request, 'multipart/form-data 请求内容格式不正确', 'the multipart/form-data body is malformed') } });
      }
      return e;
  }
}

/**
 * Called when an upload is refused before its body was read to the end (also by the upload queue when it
 * is full): the rest is read and dropped, up to `maxBytes` and DRAIN_MAX_MS, so that the keep-alive
 * connection carries the client's next request; past either bound the request stays incomplete, its
 * answer says `Connection: close` (app.ts) and the rest is still dropped until Node closes the connection.
 */
export async function releaseRequestBody(request: FastifyRequest, maxBytes: number): Promise<void> {
  const raw = request.raw;
  // A parser may still be attached (the multipart one is detached by its own clean-up).
  raw.unpipe();
  if (raw.readableEnded || raw.destroyed) return;
  await new Promise<boolean>((resolve) => {
    let seen = 0;
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('close', onClose);
      resolve(ok);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(raw.readableEnded);
    const timer = setTimeout(() => finish(false), DRAIN_MAX_MS);
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('close', onClose);
    raw.resume();
  });
  // Whatever still arrives is dropped (the stream keeps flowing with no reader) until the socket closes.
  raw.resume();
}
