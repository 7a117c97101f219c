// The station side of the kill -9 test (test/durability/kill9.test.ts): uploads distinct photos in a loop
// and logs, one JSON line each, every upload the server acknowledged (2xx) with the SHA-256 it sent. A
// refused connection (the server was killed) is retried with the same bytes until the server is back.
//   node --import tsx test/durability/uploader.ts   (settings in the environment, see below)
import crypto from 'node:crypto';
import fs from 'node:fs';

const url = process.env.UPLOAD_URL!;
const cookie = process.env.UPLOAD_COOKIE!;
const ackLog = process.env.UPLOAD_ACK_LOG!;
const stopFile = process.env.UPLOAD_STOP_FILE!;
const students = process.env.UPLOAD_STUDENTS!.split(',');
const base = fs.readFileSync(process.env.UPLOAD_IMAGE!);

/** The same picture as distinct bytes: a JPEG comment segment after SOI. */
function shot(i: number): Buffer {
  const text = Buffer.from(`kill9 shot ${i} ${crypto.randomBytes(4).toString('hex')}`, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([base.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, base.subarray(2)]);
}

let i = 0;
let bytes = shot(i);
while (!fs.existsSync(stopFile)) {
  const studentNo = students[i % students.length]!;
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const form = new FormData();
  form.append('studentNo', studentNo);
  form.append('sha256', sha256);
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), `shot-${i}.jpg`);
  try {
    const res = await fetch(`${url}/api/photos`, { method: 'POST', body: form, headers: { cookie }, signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { id?: string; error?: { code: string } };
    fs.appendFileSync(ackLog, JSON.stringify({ i, status: res.status, id: body.id ?? null, code: body.error?.code ?? null, sha256, studentNo }) + '\n');
    i++;
    bytes = shot(i);
  } catch {
    // the server is down (killed) or the answer was lost: the same bytes again once it is back
    await new Promise((r) => setTimeout(r, 50));
  }
}
