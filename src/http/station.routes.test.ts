// The station API over real HTTP, on both databases: getStation, setStationStudent, clearStationStudent
// (issue #4 parts 1 and 5): statuses, error codes and messages in both languages, masking, permissions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rosterCsv, rosterRow } from '../../test/support/rosters.js';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, type TestRuntime, type TestServer } from '../../test/support/runtime.js';
import { ErrorBodySchema } from '../contracts/common.js';
import { StationSchema } from '../contracts/station.js';
import { applyRosterImport } from '../services/roster.service.js';

describe.each(DIALECTS)('station API on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  const cookies: Record<string, string> = {};

  const call = async (who: string | null, method: string, path: string, json?: unknown, lang?: string) => {
    const headers: Record<string, string> = {};
    if (who) headers.cookie = cookies[who]!;
    if (json !== undefined) headers['content-type'] = 'application/json';
    if (lang) headers['accept-language'] = lang;
    const res = await fetch(`${server.url}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null, cacheControl: res.headers.get('cache-control') };
  };

  beforeAll(async () => {
    rt = await createTestRuntime(dialect);
    const admin = await createActor(rt.deps, 'admin', [], 'st-admin');
    await createActor(rt.deps, 'operator', [], 'st-operator');
    await createActor(rt.deps, 'secretary', ['物理学院'], 'st-secretary');
    await createActor(rt.deps, 'student', [], '2401000001');
    const rows = [rosterRow('2401000001', { 姓名: '张小三' }), rosterRow('2401000002', { 姓名: '李四', 证书类型: '单证' })];
    await applyRosterImport(rt.deps, admin, { buffer: Buffer.from(rosterCsv(rows)) }, 'r.csv', 'zh');
    server = await startTestServer(rt.deps);
    for (const u of ['st-admin', 'st-operator', 'st-secretary', '2401000001']) cookies[u] = await loginOverHttp(server.url, u);
  });
  afterAll(async () => {
    await server?.close();
    await rt?.close();
  });

  it('an operator sets, reads and clears the current student (masked name, no-store)', async () => {
    const empty = await call('st-operator', 'GET', '/api/stations/beijing-1');
    expect(empty.status).toBe(200);
    expect(StationSchema.parse(empty.body)).toEqual({ id: 'beijing-1', currentStudent: null, updatedAt: null });

    const set = await call('st-operator', 'PUT', '/api/stations/beijing-1/current-student', { studentNo: '2401000001' });
    expect(set.status).toBe(200);
    const station = StationSchema.parse(set.body);
    expect(station.currentStudent).toMatchObject({ studentNo: '2401000001', name: '张*三', nameMasked: true, department: '物理学院', decision: 'required' });

    const read = await call('st-operator', 'GET', '/api/stations/beijing-1');
    expect(read.body).toEqual(set.body);
    expect(read.cacheControl).toBe('no-store');
    // the admin sees the full name
    expect(StationSchema.parse((await call('st-admin', 'GET', '/api/stations/beijing-1')).body).currentStudent?.name).toBe('张小三');

    const cleared = await call('st-operator', 'DELETE', '/api/stations/beijing-1/current-student');
    expect(cleared.status).toBe(200);
    expect(StationSchema.parse(cleared.body).currentStudent).toBeNull();
  });

  it('an unknown student is 404 STUDENT_NOT_FOUND, in Chinese and in English', async () => {
    const zh = await call('st-operator', 'PUT', '/api/stations/beijing-1/current-student', { studentNo: '2499999999' });
    expect(zh.status).toBe(404);
    expect(ErrorBodySchema.parse(zh.body).error).toMatchObject({ code: 'STUDENT_NOT_FOUND', message: '未找到该学生' });
    const en = await call('st-operator', 'PUT', '/api/stations/beijing-1/current-student', { studentNo: '2499999999' }, 'en');
    expect(ErrorBodySchema.parse(en.body).error.message).toBe('Student not found');
  });

  it.each([
    ['a station id with capitals', 'PUT', '/api/stations/Beijing-1/current-student', { studentNo: '2401000001' }],
    ['a station id too long', 'GET', `/api/stations/${'a'.repeat(33)}`, undefined],
    ['a station id with an underscore', 'DELETE', '/api/stations/bj_1/current-student', undefined],
    ['no student number', 'PUT', '/api/stations/beijing-1/current-student', {}],
    ['an empty student number', 'PUT', '/api/stations/beijing-1/current-student', { studentNo: '' }],
    ['a student number that is not text', 'PUT', '/api/stations/beijing-1/current-student', { studentNo: 2401000001 }],
  ])('%s is 400 VALIDATION_FAILED', async (_name, method, path, json) => {
    const res = await call('st-operator', method, path, json);
    expect(res.status).toBe(400);
    expect(ErrorBodySchema.parse(res.body).error.code).toBe('VALIDATION_FAILED');
  });

  it('secretaries and students are refused (403); without a session 401', async () => {
    for (const who of ['st-secretary', '2401000001']) {
      expect((await call(who, 'GET', '/api/stations/beijing-1')).status).toBe(403);
      expect((await call(who, 'PUT', '/api/stations/beijing-1/current-student', { studentNo: '2401000001' })).status).toBe(403);
      expect((await call(who, 'DELETE', '/api/stations/beijing-1/current-student')).status).toBe(403);
    }
    expect((await call(null, 'GET', '/api/stations/beijing-1')).status).toBe(401);
  });

  it('is described in the OpenAPI document with its operationIds', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    expect(doc.paths['/api/stations/{stationId}']?.get?.operationId).toBe('getStation');
    expect(doc.paths['/api/stations/{stationId}/current-student']?.put?.operationId).toBe('setStationStudent');
    expect(doc.paths['/api/stations/{stationId}/current-student']?.delete?.operationId).toBe('clearStationStudent');
  });
});
