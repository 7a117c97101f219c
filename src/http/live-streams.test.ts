// Live-count streams (SSE) and the session behind them, over real HTTP, once per database (issue 8 finding 11):
// one user holds at most `maxLiveStreamsPerUser` streams (429 TOO_MANY_STREAMS beyond), and a stream ends when
// its session ends — logout, idle timeout, a password change — not only when the browser leaves.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, createTestRuntime, DIALECTS, loginOverHttp, startTestServer, TEST_PASSWORD, type TestRuntime, type TestServer } from '../../test/support/runtime.js';

interface Stream {
  status: number;
  body: unknown;
  /** event names received so far */
  events: string[];
  /** resolves when the server ends the stream */
  ended: Promise<void>;
  next(event: string, from?: number): Promise<void>;
  close(): void;
}

/** Reads an event stream as a browser would, and tells when the server ended it. */
async function openStream(url: string, cookie: string, lang = 'en'): Promise<Stream> {
  const controller = new AbortController();
  const res = await fetch(`${url}/api/sessions/events`, { headers: { cookie, accept: 'text/event-stream', 'accept-language': lang }, signal: controller.signal });
  const events: string[] = [];
  const waiters = new Set<() => void>();
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    return { status: res.status, body: await res.json(), events, ended: Promise.resolve(), next: () => Promise.reject(new Error('no stream')), close: () => {} };
  }
  const ended = (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const m of value.matchAll(/^event: (\w+)$/gm)) events.push(m[1]!);
        for (const w of [...waiters]) w();
      }
    } catch {
      /* aborted by the test */
    }
  })();
  return {
    status: res.status,
    body: null,
    events,
    ended,
    next: (event, from = 0) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!events.slice(from).includes(event)) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
    close: () => controller.abort(),
  };
}

describe.each(DIALECTS)('live streams and sessions on %s', (dialect) => {
  let rt: TestRuntime;
  let server: TestServer;
  const streams: Stream[] = [];
  const open = async (cookie: string, lang?: string) => {
    const s = await openStream(server.url, cookie, lang);
    streams.push(s);
    return s;
  };

  beforeEach(async () => {
    rt = await createTestRuntime(dialect, { auth: { maxLiveStreamsPerUser: 2 } });
    server = await startTestServer(rt.deps);
    await createActor(rt.deps, 'admin', [], 'stream-admin');
    await createActor(rt.deps, 'operator', [], 'stream-operator');
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await server?.close();
    await rt?.close();
  });

  it('one user holds at most maxLiveStreamsPerUser streams (429 TOO_MANY_STREAMS naming the limit), whatever their sessions; others are not affected', async () => {
    const [a, b] = [await loginOverHttp(server.url, 'stream-admin'), await loginOverHttp(server.url, 'stream-admin')];
    const first = await open(a);
    const second = await open(b);
    expect([first.status, second.status]).toEqual([200, 200]);
    for (const [lang, message] of [
      ['en', 'You already have 2 live-update pages open (the limit); close some and reload'],
      ['zh', '您已打开 2 个实时更新页面（上限），请关闭其中一些后刷新'],
    ] as const) {
      const third = await open(a, lang);
      expect(third.status).toBe(429);
      expect(third.body).toEqual({ error: { code: 'TOO_MANY_STREAMS', message } });
    }
    expect((await open(await loginOverHttp(server.url, 'stream-operator'))).status).toBe(200);
    // A stream closed by the browser frees its place.
    first.close();
    await vi.waitFor(async () => {
      const again = await open(a);
      again.close();
      expect(again.status).toBe(200);
    });
  });

  it('a logout ends the streams of that session, not those of the user’s other sessions', async () => {
    const [a, b] = [await loginOverHttp(server.url, 'stream-admin'), await loginOverHttp(server.url, 'stream-admin')];
    const ofA = await open(a);
    const ofB = await open(b);
    await ofA.next('snapshot');
    await ofB.next('snapshot');
    const out = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie: a, 'content-type': 'application/json', origin: server.url }, body: '{}' });
    expect(out.status).toBe(204);
    await ofA.ended;
    // The other session's stream is still open: it gets the next snapshot.
    const mark = ofB.events.length;
    await rt.deps.events!.publish({ type: 'resync', reason: 'schedule' });
    await ofB.next('snapshot', mark);
    // The browser's reconnect is refused: the session is over.
    expect((await open(a)).status).toBe(401);
  });

  it('an idle timeout and a password change end the streams of the sessions they end', async () => {
    const idle = await loginOverHttp(server.url, 'stream-operator');
    const s = await open(idle);
    await s.next('snapshot');
    rt.clock.advance((rt.deps.auth.sessionIdleMinutes + 1) * 60_000);
    await s.ended;

    const current = await loginOverHttp(server.url, 'stream-admin');
    const other = await loginOverHttp(server.url, 'stream-admin');
    const ofOther = await open(other);
    await ofOther.next('snapshot');
    const changed = await fetch(`${server.url}/api/me/password`, {
      method: 'POST',
      headers: { cookie: current, 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ currentPassword: TEST_PASSWORD, newPassword: 'Another-password-3141' }),
    });
    expect(changed.status).toBe(204);
    await ofOther.ended;
  });
});
