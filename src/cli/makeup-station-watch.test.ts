// The hot-folder agent at an outlet's station (issue 10 section 3, S6): `station watch` with station
// makeup-<outlet>-<n> uploads a camera file as a make-up photo (photos.outlet_id), over real HTTP and the real
// pipeline, on both databases; once the outlet is deactivated, the next file is refused with OUTLET_INACTIVE and
// recorded, never sent again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, TEST_PASSWORD, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import type { Actor } from '../services/deps.js';
import { createOutlet, updateOutlet } from '../services/makeup.service.js';
import { applyRosterImport } from '../services/roster.service.js';
import { setStationStudent } from '../services/station.service.js';
import { startStationWatch } from './station/agent.js';
import type { AgentEvent, StationAgent } from './station/events.js';

const PHOTOS = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'), 'test', 'fixtures', 'photos');
const OPERATOR = 'outlet-operator';
const STUDENT = '2801000001';

function uniqueJpeg(tag: string): Buffer {
  const base = fs.readFileSync(path.join(PHOTOS, 'real-messi5.jpg'));
  const text = Buffer.from(`gradphoto makeup ${tag} ${Math.random()}`);
  const len = text.length + 2;
  return Buffer.concat([base.subarray(0, 2), Buffer.from([0xff, 0xfe, len >> 8, len & 0xff]), text, base.subarray(2)]);
}

async function waitFor<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(DIALECTS)('station watch at a make-up outlet on %s', { timeout: 120_000 }, (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  let admin: Actor;
  let agent: StationAgent | undefined;
  let dir: string;

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    admin = await createActor(rt.deps, 'admin', [], 'outlet-admin');
    await createActor(rt.deps, 'operator', [], OPERATOR);
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv([rosterRow(STUDENT)])) }, 'roster.csv', 'zh');
    rt.clock.set('2023-11-10T02:00:00.000Z'); // 10:00 in Beijing, after the campaign's last day (5 Nov)
    await createOutlet(rt.deps, admin, { id: 'xidan', nameZh: '图片社西单店', nameEn: 'Agency, Xidan', address: '北京市西城区西单北大街 1 号', city: 'Beijing', hours: '9:00–17:00' });
    server = await startTestServer(rt.deps);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-outlet-folder-'));
  });
  afterAll(async () => {
    await agent?.stop();
    await server?.close();
    await rt?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('uploads the camera file as a make-up photo of the outlet; an inactive outlet refuses the next one (recorded)', async () => {
    const operator = await createActor(rt.deps, 'operator', [], `${OPERATOR}-2`);
    await setStationStudent(rt.deps, operator, 'makeup-xidan-1', { studentNo: STUDENT });
    const events: AgentEvent[] = [];
    agent = startStationWatch({ dir, station: 'makeup-xidan-1', server: server.url, user: OPERATOR, password: TEST_PASSWORD, lang: 'en', settleMs: 300, rescanMs: 200, retryBaseMs: 100, retryMaxMs: 400, onEvent: (e) => events.push(e), print: () => undefined });
    await waitFor('agent started', () => events.some((e) => e.event === 'scanned'));
    fs.writeFileSync(path.join(dir, 'IMG_0001.JPG'), uniqueJpeg('first'));
    const up = await waitFor('upload', () => events.find((e): e is Extract<AgentEvent, { event: 'uploaded' }> => e.event === 'uploaded'));
    const row = await rt.deps.db.db.selectFrom('photos').select(['outlet_id', 'station']).where('id', '=', up.photoId).executeTakeFirstOrThrow();
    expect(row).toEqual({ outlet_id: 'xidan', station: 'makeup-xidan-1' });

    await updateOutlet(rt.deps, admin, 'xidan', { active: false });
    fs.writeFileSync(path.join(dir, 'IMG_0002.JPG'), uniqueJpeg('second'));
    const refusal = await waitFor('refusal', () => events.find((e): e is Extract<AgentEvent, { event: 'refused' }> => e.event === 'refused' && e.file === 'IMG_0002.JPG'));
    expect(refusal.code).toBe('OUTLET_INACTIVE');
    expect(await rt.deps.db.db.selectFrom('photos').select('id').where('outlet_id', '=', 'xidan').execute()).toHaveLength(1);
  });

  it('after the campaign’s last day a school station’s hot folder is refused CAMPAIGN_ENDED (recorded, nothing stored): make-ups are at the outlets', async () => {
    const operator = await createActor(rt.deps, 'operator', [], `${OPERATOR}-3`);
    rt.clock.set('2023-11-05T02:00:00.000Z'); // the last day: the school's station is still in use
    await setStationStudent(rt.deps, operator, 'beijing-1', { studentNo: STUDENT });
    rt.clock.set('2023-11-10T02:00:00.000Z');
    await agent?.stop();
    const siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradphoto-site-folder-'));
    const events: AgentEvent[] = [];
    agent = startStationWatch({ dir: siteDir, station: 'beijing-1', server: server.url, user: OPERATOR, password: TEST_PASSWORD, lang: 'zh', settleMs: 300, rescanMs: 200, retryBaseMs: 100, retryMaxMs: 400, onEvent: (e) => events.push(e), print: () => undefined });
    await waitFor('agent started', () => events.some((e) => e.event === 'scanned'));
    fs.writeFileSync(path.join(siteDir, 'IMG_0100.JPG'), uniqueJpeg('site'));
    const refusal = await waitFor('refusal', () => events.find((e): e is Extract<AgentEvent, { event: 'refused' }> => e.event === 'refused' && e.file === 'IMG_0100.JPG'));
    expect(refusal.code).toBe('CAMPAIGN_ENDED');
    expect(refusal.message).toContain('2023-11-05');
    expect(await rt.deps.db.db.selectFrom('photos').select('id').where('station', '=', 'beijing-1').execute()).toEqual([]);
    await agent.stop();
    agent = undefined;
    fs.rmSync(siteDir, { recursive: true, force: true });
  });
});
