// The tiny round-robin load balancer of the peak benchmark (bench/peak.ts): a Node http proxy in front of one or
// more `gradphoto serve` processes, doing what the README's nginx example does and nothing more:
// - each request goes to the next backend in turn (per request, not per connection: no sticky sessions);
// - X-Forwarded-For gets the client's socket address appended ($proxy_add_x_forwarded_for), so the servers
//   run with TRUST_PROXY_HOPS=1 exactly as behind one nginx;
// - responses are piped as they come, unbuffered (nginx: `proxy_buffering off` for the live-count stream);
// - keep-alive connections to the backends; a long-lived stream (text/event-stream) gets a connection of its own.
// It adds `x-bench-backend: <index>` to each answer so the bench knows which process served it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoadBalancer {
  url: string;
  /** requests forwarded to each backend */
  forwarded: number[];
  /** answers the balancer had to make itself (backend unreachable): 502 */
  badGateway: number;
  close(): Promise<void>;
}

export async function startLoadBalancer(backends: string[]): Promise<LoadBalancer> {
  const targets = backends.map((b) => new URL(b));
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }));
  const streamAgents = targets.map(() => new http.Agent({ keepAlive: false }));
  const forwarded = targets.map(() => 0);
  let next = 0;
  let badGateway = 0;

  const server = http.createServer((req, res) => {
    const k = next++ % targets.length;
    forwarded[k]!++;
    const target = targets[k]!;
    const headers = { ...req.headers };
    const prior = req.headers['x-forwarded-for'];
    const client = req.socket.remoteAddress ?? 'unknown';
    headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
    headers['x-forwarded-proto'] = 'http';
    const stream = (req.headers.accept ?? '').includes('text/event-stream');
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: (stream ? streamAgents : agents)[k] },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-bench-backend': String(k) });
        if (stream) res.flushHeaders();
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) {
        badGateway++;
        res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"code":"BAD_GATEWAY"}}');
      } else res.destroy();
    });
    // a client that goes away (a closed live-count page) closes its upstream request too
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  server.requestTimeout = 0; // live-count streams stay open
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    get badGateway() {
      return badGateway;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const a of [...agents, ...streamAgents]) a.destroy();
    },
  };
}
