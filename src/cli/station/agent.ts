// The hot-folder agent of a tethered camera (issue #4 part 1; C3; PITFALLS F6, F7, F17): the loop that ties the
// folder watcher, the state file and the server client together.
//
// What it promises, and how:
// - A file is sent only when the camera software has finished writing it (folder-watcher.ts): its size and
//   mtime stayed the same for the settle interval and it can be read. A JPEG without its end marker (FF D9) is
//   still being written: it waits until it has not changed for the longer `incompleteMs`, then goes anyway (the
//   server refuses it as truncated and the refusal is printed).
// - Each file is uploaded once. The durable state file (state-file.ts) records every file by name + size +
//   mtime + SHA-256: `in-flight` (with the opaque student id) before the request leaves, then `uploaded` (photo
//   id) or `refused` (code). After a restart, uploaded and refused files are skipped; an in-flight one is sent
//   again for the same student, and the server recognises the same bytes (same photo id, 200), so nothing is
//   stored twice. Bytes already uploaded under another name are skipped.
// - The file's SHA-256 goes with it, computed from the very bytes sent: the server refuses what it did not
//   receive intact (PHOTO_CHECKSUM_MISMATCH); such a refusal is a transport failure, retried a few times
//   with the file read again, then recorded.
// - The student is bound when the agent first sees the file, not when it has settled (the operator may name
//   the next student a second after the last shot, while that shot is still settling): the watch event, or
//   the scan, that first notices a camera file asks the station at once (getStation, never a cached answer; a
//   watch event asks even while another file is being uploaded) and the file belongs to the student it names,
//   through settling, retries and restarts. A file seen while nobody is named (or while the server gave no
//   answer) waits, and the agent says so once it is written, and goes to the first student named after it was
//   seen. The binding is kept in the state file (`bindings`: stored name → opaque student id + inode, the
//   inode so that after a restart a new file with the same name is not taken for the bound one) until the
//   file is uploaded or refused (its record then has the student id) or leaves the folder. The student number
//   the upload needs stays in memory only: after a restart a bound file asks the server for its student's
//   number by student id (as an in-flight one does), so a restart costs one request per bound file, and a
//   student removed from the roster meanwhile makes the file refused and recorded. The station's `updatedAt`
//   is not compared with file times: it is the server's clock and a file's mtime the camera computer's, and a
//   skew of a second (the very size of the race) would bind wrongly; the rule relies only on the agent's own
//   order of events (first sight, then the question). What is left: a file noticed only by the periodic
//   rescan (no watch events, e.g. some network shares) can be seen up to --rescan-ms late, and a file written
//   while the agent was not running is bound to the student named when the agent starts.
// - Refusals (4xx) are recorded and never retried; network errors, 5xx, 429 and 403 (a role being fixed) are
//   retried with exponential backoff; a 401 signs in again. A file is never given up because the server was
//   away.
// - No national ID number in its output or state (scrubbed as well); the student number is only sent to the
//   server, the state keeps the opaque student id (records and bindings) and the photo id.
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type { StationSchema } from '../../contracts/station.js';
import { StationIdSchema } from '../../contracts/station.js';
import { scrubNationalIds } from '../../domain/national-id.js';
import type { AgentEvent, StationAgent, StationWatchOptions, WaitingReason } from './events.js';
import { describeEvent } from './events.js';
import type { FolderWatch } from './folder-watcher.js';
import { examineSettling, isCandidateName, listCameraFiles, sha256Hex, statCameraFile, watchFolder } from './folder-watcher.js';
import type { HttpResult } from './http-client.js';
import { answerError, backoffMs, createServerClient, isTransient } from './http-client.js';
import type { StateRecord } from './state-file.js';
import { createStateStore, defaultStateFile, takeLock } from './state-file.js';

interface Candidate {
  name: string;
  size: number;
  mtimeMs: number;
  /** agent time of the last observed change (or of first sight) */
  changedAt: number;
  phase: 'settling' | 'ready' | 'done';
  sha256?: string;
  nextAttemptAt: number;
  attempts: number;
  checksumFailures: number;
  /** the waiting reason last announced, so each is printed once */
  announced?: WaitingReason | undefined;
  /** present at the first scan (what --once processes) */
  initial: boolean;
  /** the file's inode (a binding restored after a restart must be of the same file) */
  ino: number;
}

/** The student a file is for, bound at first sight; the number is kept in memory only (absent after a restart). */
interface Bound {
  studentId: string;
  studentNo?: string | undefined;
  ino: number;
}

export function startStationWatch(options: StationWatchOptions): StationAgent {
  const opts = {
    ...options,
    settleMs: options.settleMs ?? 1000,
    incompleteMs: options.incompleteMs ?? 15_000,
    rescanMs: options.rescanMs ?? 2000,
    retryBaseMs: options.retryBaseMs ?? 1000,
    retryMaxMs: options.retryMaxMs ?? 30_000,
    onceAttempts: options.onceAttempts ?? 5,
    checksumAttempts: options.checksumAttempts ?? 3,
  };
  const station = StationIdSchema.parse(opts.station);
  const server = opts.server.replace(/\/+$/, '');
  const dir = path.resolve(opts.dir);
  const stateFile = path.resolve(opts.stateFile ?? defaultStateFile(dir));
  const print = opts.print ?? ((line: string) => void process.stdout.write(line + '\n'));
  const tickMs = Math.min(250, Math.max(20, Math.floor(opts.settleMs / 4)));

  /** stop() cancels a request under way: an upload cut off is in-flight in the state and sent again next time */
  const stopping = new AbortController();
  const client = createServerClient({ server, user: opts.user, password: opts.password, totp: opts.totp, lang: opts.lang, fetch: opts.fetch ?? fetch, stopping: stopping.signal });
  const store = createStateStore(stateFile);
  const candidates = new Map<string, Candidate>();
  let stopped = false;
  let wake: (() => void) | null = null;
  let folder: FolderWatch | null = null;
  const counts = { uploaded: 0, refused: 0 };
  let releaseLock = () => {};
  let firstScanDone = false;
  let signedIn = false;
  /** camera files bound to a student when first seen (by name) */
  const bindings = new Map<string, Bound>();
  /** files whose first-sight question to the server is under way */
  const asking = new Set<string>();
  /** files not bound at first sight (nobody named, or no answer): agent time of first sight */
  const unboundSince = new Map<string, number>();
  /** first sights started by watch events, awaited before the agent stops */
  const notices = new Set<Promise<void>>();

  const emit = (event: AgentEvent, checkMessages?: string[]) => {
    opts.onEvent?.(event);
    if (opts.json) print(scrubNationalIds(JSON.stringify(event)));
    else {
      const line = describeEvent(event, opts.lang, checkMessages);
      if (line) print(scrubNationalIds(line));
    }
  };

  /** Drops a file's binding (uploaded, refused, gone); true when the state file has to be written. */
  const forgetBinding = (name: string): boolean => {
    bindings.delete(name);
    unboundSince.delete(name);
    return store.dropBinding(name);
  };

  const bind = (name: string, student: { studentId: string; studentNo?: string | undefined }, ino: number) => {
    bindings.set(name, { studentId: student.studentId, studentNo: student.studentNo, ino });
    unboundSince.delete(name);
    store.keepBinding(name, student.studentId, ino);
  };

  const saveRecord = async (record: StateRecord) => {
    store.putRecord(record);
    if (record.status !== 'in-flight') forgetBinding(record.name);
    await store.persist();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });

  const backoff = (attempts: number) => backoffMs(attempts, opts.retryBaseMs, opts.retryMaxMs);

  // ── scanning ──

  async function scan(): Promise<void> {
    folder?.markScanned(Date.now());
    let listed: Awaited<ReturnType<typeof listCameraFiles>>;
    try {
      listed = await listCameraFiles(dir);
    } catch (e) {
      emit({ event: 'retrying', file: null, reason: `${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, inMs: opts.rescanMs });
      return;
    }
    const present = new Set<string>();
    const firstSeen: { name: string; ino: number }[] = [];
    let stateChanged = false;
    let alreadyDone = 0;
    for (const st of listed) {
      const name = st.name;
      present.add(name);
      const known = candidates.get(name);
      if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) continue;
      // Already sent or refused (same name, size and mtime): skipped without reading it again. A name that
      // is not stored as such (it held an ID number) is always read and hashed.
      const record = store.findByStat(name, st.size, st.mtimeMs);
      if (record && record.status !== 'in-flight') {
        alreadyDone++;
        candidates.set(name, { name, size: st.size, mtimeMs: st.mtimeMs, changedAt: Date.now(), phase: 'done', nextAttemptAt: 0, attempts: 0, checksumFailures: 0, initial: !firstScanDone, ino: st.ino });
        stateChanged = forgetBinding(name) || stateChanged;
        continue;
      }
      // The file's student: kept if bound already (in memory, or in the state file before a restart) to this
      // very file; otherwise this is its first sight. A name that stayed in the folder keeps its binding when the
      // writer replaces the file (a new inode, noted); after a restart only the same inode is the same file.
      const bound = bindings.get(name);
      const kept = store.findBinding(name);
      if (bound && bound.ino !== st.ino) {
        bound.ino = st.ino;
        if (kept) kept.ino = st.ino;
        stateChanged = true;
      }
      if (!bindings.has(name) && kept) {
        if (kept.ino === st.ino) bindings.set(name, { studentId: kept.studentId, ino: st.ino });
        else stateChanged = forgetBinding(name) || stateChanged;
      }
      if (!bindings.has(name) && !asking.has(name) && !unboundSince.has(name)) firstSeen.push({ name, ino: st.ino });
      candidates.set(name, {
        name,
        size: st.size,
        mtimeMs: st.mtimeMs,
        changedAt: Date.now(),
        phase: 'settling',
        nextAttemptAt: 0,
        attempts: 0,
        checksumFailures: 0,
        initial: known?.initial ?? !firstScanDone,
        ino: st.ino,
      });
    }
    for (const name of [...candidates.keys()]) if (!present.has(name)) candidates.delete(name);
    // Bindings of files that left the folder (or never stayed: a watch event for a temp file) go too.
    for (const name of [...bindings.keys(), ...unboundSince.keys()]) if (!present.has(name)) stateChanged = forgetBinding(name) || stateChanged;
    stateChanged = store.dropBindingsExcept(present) || stateChanged;
    if (stateChanged) await store.persist();
    await sight(firstSeen);
    if (!firstScanDone) {
      firstScanDone = true;
      emit({ event: 'scanned', files: listed.length, alreadyDone });
    }
  }

  /** Settling files: once written (folder-watcher.ts), done if already sent, else ready to upload. */
  async function settle(c: Candidate): Promise<void> {
    const outcome = await examineSettling(path.join(dir, c.name), c, Date.now(), opts);
    switch (outcome.kind) {
      case 'gone':
        candidates.delete(c.name);
        return;
      case 'changed':
        Object.assign(c, { size: outcome.size, mtimeMs: outcome.mtimeMs, changedAt: Date.now(), phase: 'settling', sha256: undefined });
        return;
      case 'settling':
        return;
      case 'resized':
        Object.assign(c, { size: outcome.size, changedAt: Date.now() });
        return;
      case 'incomplete':
        if (c.announced !== 'incomplete') {
          c.announced = 'incomplete';
          emit({ event: 'waiting', file: c.name, reason: 'incomplete' });
        }
        return;
      case 'written':
        break;
    }
    c.sha256 = outcome.sha256;
    const record = store.findRecord(c.name, c.size, c.mtimeMs, c.sha256);
    if (record && record.status !== 'in-flight') {
      c.phase = 'done';
      if (forgetBinding(c.name)) await store.persist();
      return;
    }
    const same = store.findFinishedBySha(c.sha256);
    if (same && same.status === 'uploaded' && !record) {
      c.phase = 'done';
      if (forgetBinding(c.name)) await store.persist();
      emit({ event: 'skipped', file: c.name, reason: 'same-bytes', photoId: same.photoId ?? null });
      return;
    }
    c.phase = 'ready';
  }

  // ── binding files to the station's student ──

  /** the last answer of getStation, with the agent time its question left */
  let stationCache: { askedAt: number; value: z.infer<typeof StationSchema> } | null = null;

  /**
   * The station's student. `notBefore` null: asked now (a first sight). Otherwise an answer to a question asked
   * at or after `notBefore` and less than half a second ago is shared (files waiting for a student).
   */
  async function currentStudent(notBefore: number | null): Promise<{ student: { studentId: string; studentNo: string } | null } | { result: HttpResult }> {
    if (notBefore !== null && stationCache && stationCache.askedAt >= notBefore && Date.now() - stationCache.askedAt < 500) return { student: stationCache.value.currentStudent };
    const askedAt = Date.now();
    const got = await client.getStation(station);
    if ('result' in got) return got;
    if (!stationCache || stationCache.askedAt <= askedAt) stationCache = { askedAt, value: got.station };
    return { student: got.station.currentStudent };
  }

  /** First sight of camera files: the station is asked now, and the files are bound to whoever it names. */
  async function sight(files: { name: string; ino: number }[]): Promise<void> {
    const fresh = files.filter((f) => !bindings.has(f.name) && !asking.has(f.name) && !unboundSince.has(f.name));
    if (fresh.length === 0 || stopped) return;
    const seenAt = Date.now();
    for (const f of fresh) asking.add(f.name);
    let current: Awaited<ReturnType<typeof currentStudent>>;
    try {
      current = await currentStudent(null);
    } finally {
      for (const f of fresh) asking.delete(f.name);
    }
    if (stopped) return;
    const student = 'student' in current ? current.student : null;
    // Nobody named, or no answer: the file goes to the first student named after it was seen.
    for (const f of fresh) {
      if (student) bind(f.name, student, f.ino);
      else unboundSince.set(f.name, seenAt);
    }
    if (student) await store.persist();
  }

  /** A watch event names a file: its first sight, even while the loop is busy uploading another one. */
  async function noticed(name: string): Promise<void> {
    if (stopped || !isCandidateName(name) || name !== path.basename(name) || bindings.has(name) || asking.has(name) || unboundSince.has(name)) return;
    const st = await statCameraFile(dir, name);
    if (!st) return;
    const known = candidates.get(name);
    if (known?.phase === 'done' && known.size === st.size && known.mtimeMs === st.mtimeMs) return;
    const record = store.findByStat(name, st.size, st.mtimeMs);
    if (record && record.status !== 'in-flight') return;
    if (store.findBinding(name)) return; // bound before a restart: the scan takes it up
    await sight([{ name, ino: st.ino }]);
  }

  /** Files not bound at first sight go to the first student named after they were seen. */
  async function bindLate(files: Candidate[]): Promise<{ result: HttpResult } | null> {
    const now = Date.now();
    for (const c of files) if (!unboundSince.has(c.name)) unboundSince.set(c.name, now);
    const notBefore = Math.max(...files.map((c) => unboundSince.get(c.name)!));
    const current = await currentStudent(notBefore);
    if ('result' in current) return current;
    if (!current.student || stopped) return null;
    let changed = false;
    for (const c of files) {
      if (bindings.has(c.name) || asking.has(c.name) || !candidates.has(c.name)) continue;
      bind(c.name, current.student, c.ino);
      changed = true;
    }
    if (changed) await store.persist();
    return null;
  }

  // ── uploading ──

  function retryLater(c: Candidate, result: HttpResult): void {
    if (stopped) return;
    c.attempts++;
    const inMs = backoff(c.attempts);
    c.nextAttemptAt = Date.now() + inMs;
    const err = answerError(result, opts.lang);
    emit({ event: 'retrying', file: c.name, reason: err.code === 'NETWORK' ? err.message : `${err.code}: ${err.message}`, inMs });
  }

  async function refuse(c: Candidate, code: string, message: string, studentId?: string): Promise<void> {
    await saveRecord({ name: c.name, size: c.size, mtimeMs: c.mtimeMs, sha256: c.sha256!, status: 'refused', studentId, code, message: scrubNationalIds(message), at: new Date().toISOString() });
    c.phase = 'done';
    counts.refused++;
    emit({ event: 'refused', file: c.name, code, message });
  }

  async function upload(c: Candidate): Promise<void> {
    const record = store.findRecord(c.name, c.size, c.mtimeMs, c.sha256!);
    const inFlight = record?.status === 'in-flight' ? record : undefined;
    let studentId: string;
    let studentNo: string;
    if (inFlight?.studentId) {
      // Sent before (the agent stopped before the answer): the same student, whoever stands there now.
      const found = await client.getStudentNo(inFlight.studentId);
      if ('result' in found) {
        if (isTransient(found.result)) return retryLater(c, found.result);
        const err = answerError(found.result, opts.lang);
        return refuse(c, err.code, err.message, inFlight.studentId);
      }
      studentId = inFlight.studentId;
      studentNo = found.studentNo;
    } else {
      if (asking.has(c.name)) return; // its first-sight question is under way
      let bound = bindings.get(c.name);
      if (!bound) {
        const late = await bindLate([c]);
        if (late) return retryLater(c, late.result);
        bound = bindings.get(c.name);
      }
      if (!bound) {
        if (c.announced !== 'no-student') {
          c.announced = 'no-student';
          emit({ event: 'waiting', file: c.name, reason: 'no-student' });
        }
        return;
      }
      studentId = bound.studentId;
      if (bound.studentNo === undefined) {
        // Bound before a restart: the state file keeps no student number, so it is asked for by the student id.
        const found = await client.getStudentNo(studentId);
        if ('result' in found) {
          if (isTransient(found.result)) return retryLater(c, found.result);
          const err = answerError(found.result, opts.lang);
          return refuse(c, err.code, err.message, studentId);
        }
        bound.studentNo = found.studentNo;
      }
      studentNo = bound.studentNo;
      await saveRecord({ name: c.name, size: c.size, mtimeMs: c.mtimeMs, sha256: c.sha256!, status: 'in-flight', studentId, at: new Date().toISOString() });
    }
    c.announced = undefined;

    // Read again: the bytes sent are the bytes hashed; a file changed since it settled settles again.
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(path.join(dir, c.name));
    } catch {
      candidates.delete(c.name);
      return;
    }
    if (sha256Hex(bytes) !== c.sha256) {
      Object.assign(c, { phase: 'settling', changedAt: Date.now(), size: bytes.length, sha256: undefined });
      return;
    }
    const sent = await client.uploadPhoto({ bytes, sha256: c.sha256!, studentNo, station });
    if ('report' in sent) {
      const { report, duplicate } = sent;
      const failed = report.checks.filter((x) => x.status === 'fail');
      // the lines say what failed when measured; the checks that could not be run only when nothing measured failed
      const measuredFailed = failed.filter((x) => x.measured !== false);
      const said = measuredFailed.length > 0 ? measuredFailed : failed;
      await saveRecord({ name: c.name, size: c.size, mtimeMs: c.mtimeMs, sha256: c.sha256!, status: 'uploaded', studentId, photoId: report.id, accepted: report.accepted, at: new Date().toISOString() });
      c.phase = 'done';
      counts.uploaded++;
      emit(
        { event: 'uploaded', file: c.name, photoId: report.id, accepted: report.accepted, failedChecks: failed.map((x) => x.id), duplicate },
        said.map((x) => `${x.id}: ${x.message}`),
      );
      return;
    }
    const err = answerError(sent.result, opts.lang);
    if (err.code === 'PHOTO_CHECKSUM_MISMATCH') {
      // The server did not receive what was read: a transport fault. Send again, a few times.
      c.checksumFailures++;
      if (c.checksumFailures < opts.checksumAttempts) return retryLater(c, sent.result);
      return refuse(c, err.code, err.message, studentId);
    }
    if (isTransient(sent.result)) return retryLater(c, sent.result);
    return refuse(c, err.code, err.message, studentId);
  }

  // ── the loop ──

  function pendingCount(): number {
    return [...candidates.values()].filter((c) => c.phase !== 'done').length;
  }

  async function run(): Promise<{ uploaded: number; refused: number; pending: number }> {
    await fsp.mkdir(path.dirname(stateFile), { recursive: true, mode: 0o700 });
    releaseLock = takeLock(`${stateFile}.lock`, opts.lang);
    loadStateReporting();
    emit({ event: 'started', station, dir, server, stateFile });
    folder = watchFolder(dir, opts.rescanMs, (filename) => {
      if (signedIn && !stopped && filename !== null) {
        const notice: Promise<void> = noticed(filename)
          .catch(() => undefined)
          .finally(() => notices.delete(notice));
        notices.add(notice);
      }
      wake?.();
    });
    // Sign in first: a wrong password or a missing one-time code stops the agent at once.
    for (let attempt = 1; !stopped; attempt++) {
      const answer = await client.login();
      if (answer.kind === 'answer' && answer.status === 200) break;
      if (opts.once && attempt >= opts.onceAttempts) throw new Error(answerError(answer, opts.lang).message);
      const inMs = backoff(attempt);
      emit({ event: 'retrying', file: null, reason: answerError(answer, opts.lang).message, inMs });
      await sleep(inMs);
    }
    signedIn = true;
    let nextLateAsk = 0;
    let lateFailures = 0;
    while (!stopped) {
      if (folder.isScanDue(Date.now())) await scan();
      const ordered = [...candidates.values()].filter((c) => c.phase !== 'done' && (!opts.once || c.initial)).sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
      // Files still being written that nobody was named for at first sight: bound as soon as someone is.
      const unbound = ordered.filter((c) => c.phase === 'settling' && !bindings.has(c.name) && !asking.has(c.name));
      if (unbound.length > 0 && Date.now() >= nextLateAsk) {
        const failed = await bindLate(unbound);
        lateFailures = failed ? lateFailures + 1 : 0;
        nextLateAsk = Date.now() + (failed ? backoff(lateFailures) : 500);
      }
      for (const c of ordered) {
        if (stopped) break;
        if (c.phase === 'settling') await settle(c);
        if (c.phase === 'ready' && Date.now() >= c.nextAttemptAt) await upload(c);
      }
      if (opts.once) {
        const left = [...candidates.values()].filter((c) => c.initial && c.phase !== 'done');
        const blocked = left.every((c) => c.phase === 'ready' && (c.announced === 'no-student' || c.attempts >= opts.onceAttempts));
        if (left.length === 0 || blocked) break;
      }
      await sleep(tickMs);
    }
    folder.close();
    await Promise.allSettled([...notices]);
    await store.idle();
    const pending = opts.once ? [...candidates.values()].filter((c) => c.initial && c.phase !== 'done').length : pendingCount();
    const summary = { ...counts, pending };
    emit({ event: 'stopped', ...summary });
    return summary;
  }

  function loadStateReporting(): void {
    const { damaged } = store.load();
    if (damaged) {
      const message = opts.lang === 'en' ? `The state file was damaged and was kept as ${damaged}; starting afresh (the server recognises files it already has).` : `状态文件已损坏，已另存为 ${damaged}；重新开始（服务器会识别已收到的文件）。`;
      print(opts.json ? JSON.stringify({ event: 'warning', message }) : message);
    }
  }

  const done = run().then(
    (summary) => {
      releaseLock();
      return summary;
    },
    (e: unknown) => {
      stopped = true;
      folder?.close();
      releaseLock();
      throw e;
    },
  );

  return {
    done,
    stop: async () => {
      stopped = true;
      stopping.abort();
      wake?.();
      await done.catch(() => undefined);
    },
  };
}
