// File answers of the HTTP layer (XLSX exports): the type, a Content-Disposition that keeps a Chinese file
// name (RFC 6266 `filename*`, with an ASCII fallback), and no caching — exports hold personal data.
import type { FastifyReply } from 'fastify';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function sendXlsx(reply: FastifyReply, file: { fileName: string; body: Buffer | Uint8Array }): FastifyReply {
  return reply
    .header('Content-Type', XLSX_TYPE)
    .header('Content-Disposition', `attachment; filename="${file.fileName.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
    .header('Cache-Control', 'no-store')
    .send(file.body);
}
