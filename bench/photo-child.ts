// Child process of photo.bench.ts: times one photo operation over a camera JPEG, in a process of its own
// (so that its peak memory is its own, and two of them can keep both cores busy).
//
//   node --import tsx bench/photo-child.ts MODE FILE RUNS [--barrier]
//     MODE sharp     sharp alone: decode and resize to 480 × 640 (raw pixels out), the baseline
//          pipeline  uploadPhoto end to end on a fresh SQLite data directory: SHA-256, safe decode, face
//                    detection, crop, checks, encode, envelope encryption, blobs synced to disk, row and audit
//                    event committed; one distinct required student per shot (the same bytes twice for one
//                    student would be recognised as a repeat, not stored again)
//     --barrier      after the warm-up, print "ready" and wait for a line on stdin before the timed runs
// Prints one JSON line: { times, startedAt, endedAt, maxRssMb, breakdown? }.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import sharp from 'sharp';
import { decodeCameraPhoto } from '../src/adapters/image-decode.js';
import { createArgon2Hasher } from '../src/adapters/password-hasher.js';
import { demoCampaign, loadCampaign } from '../src/services/campaign.service.js';
import { SYSTEM } from '../src/services/deps.js';
import { uploadPhoto } from '../src/services/photo.service.js';
import { applyRosterImport } from '../src/services/roster.service.js';
import { openRuntime } from '../src/services/runtime.js';
import { rosterCsv, rosterRow } from '../test/support/rosters.js';

const [mode, file, runsArg, ...flags] = process.argv.slice(2);
const runs = Number(runsArg ?? 10);
const bytes = fs.readFileSync(file!);

async function waitForGo(): Promise<void> {
  if (!flags.includes('--barrier')) return;
  process.stdout.write('ready\n');
  const rl = readline.createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => rl.once('line', () => resolve()));
  rl.close();
}

async function timed(fn: (i: number) => Promise<void>): Promise<{ times: number[]; startedAt: number; endedAt: number }> {
  const times: number[] = [];
  const startedAt = performance.timeOrigin + performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  return { times, startedAt, endedAt: performance.timeOrigin + performance.now() };
}

let out: Record<string, unknown>;
if (mode === 'sharp') {
  const resize = () => sharp(bytes).resize(480, 640).raw().toBuffer();
  await resize();
  await waitForGo();
  out = await timed(async () => {
    await resize();
  });
} else if (mode === 'pipeline') {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-bench-photo-'));
  const deps = await openRuntime({ dataDir, hasher: createArgon2Hasher({ memoryCost: 1024, timeCost: 1 }) });
  try {
    const campaign = demoCampaign(new Date());
    await loadCampaign(deps, SYSTEM, campaign);
    const term = campaign.targetTerms[campaign.targetTerms.length - 1]!;
    const studentNo = (i: number) => `P${String(i).padStart(9, '0')}`;
    const roster = rosterCsv(Array.from({ length: runs + 1 }, (_, i) => rosterRow(studentNo(i), { 预计毕业时间: term })));
    await applyRosterImport(deps, SYSTEM, { buffer: Buffer.from(roster) }, 'bench-roster.csv', 'zh');
    const upload = async (i: number) => {
      const r = await uploadPhoto(deps, SYSTEM, { bytes, studentNo: studentNo(i) }, 'zh');
      if (!r.created) throw new Error(`shot ${i} was not stored as a new photo`);
    };
    // Warm-up: loads ONNX Runtime and the model (once per process), JIT.
    await upload(runs);
    await waitForGo();
    const loop = await timed((i) => upload(i));
    const report = (await deps.db.db.selectFrom('photos').select(['report']).limit(1).executeTakeFirstOrThrow()).report;
    out = { ...loop, accepted: (JSON.parse(report) as { accepted: boolean }).accepted };

    if (!flags.includes('--barrier')) {
      // Where the time goes: decode (the checks of image-decode.ts) and analysePhoto's own timings, and
      // the face detector alone on the 512-px copy the analysis gives it.
      const { analysePhoto, DETECT_MAX_SIDE } = await import('../src/adapters/photo-analysis.js');
      const { createFaceDetector } = await import('../src/adapters/face-detector.js');
      const detector = await createFaceDetector();
      const decodeMs: number[] = [];
      const detectMs: number[] = [];
      const stages: Record<string, number[]> = {};
      for (let i = 0; i < Math.min(runs, 8); i++) {
        let t0 = performance.now();
        const decoded = await decodeCameraPhoto(bytes);
        decodeMs.push(performance.now() - t0);
        const analysis = await analysePhoto(decoded, detector);
        for (const [k, v] of Object.entries(analysis.timingsMs)) (stages[k] ??= []).push(v);
        const small = await decoded.open().resize(DETECT_MAX_SIDE, DETECT_MAX_SIDE, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
        t0 = performance.now();
        await detector.detect(small.data, small.info.width, small.info.height);
        detectMs.push(performance.now() - t0);
      }
      await detector.close();
      out.breakdown = { decodeMs, detectMs, stages };
    }
  } finally {
    await deps.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
out.maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify(out) + '\n');
