// A Server-Sent Events reader for tests: plain fetch and a stream reader, as a browser's EventSource reads.
export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** every event received so far, in order */
  events: SseEvent[];
  /** comment lines received so far (heartbeats) */
  comments: string[];
  /** the first event (received or to come) after index `from` that matches; the test's timeout bounds the wait */
  next(pred: (e: SseEvent) => boolean, from?: number): Promise<SseEvent>;
  /** resolves when a comment line arrives */
  nextComment(): Promise<string>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) as unknown });
            wake();
          }
        }
      } catch {
        /* aborted */
      }
    })();
  }
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    next(pred, from = 0) {
      return new Promise((resolve) => {
        const check = () => {
          const found = events.slice(from).find(pred);
          if (!found) return false;
          resolve(found);
          return true;
        };
        if (check()) return;
        const w = () => {
          if (check()) waiters.delete(w);
        };
        waiters.add(w);
      });
    },
    nextComment() {
      const seen = comments.length;
      return new Promise((resolve) => {
        const w = () => {
          if (comments.length > seen) {
            waiters.delete(w);
            resolve(comments[seen]!);
          }
        };
        waiters.add(w);
      });
    },
    close: () => controller.abort(),
  };
}
