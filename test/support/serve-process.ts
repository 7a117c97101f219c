// A real `gradphoto serve` process for the multi-process tests (test/live/): started on a free port with its
// own data directory, resolved with its URL once it prints it, stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** `node bin/gradphoto.js serve --port 0`, resolved with its URL once it prints it. */
export function serve(env: NodeJS.ProcessEnv, dataDir: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.join(REPO, 'bin', 'gradphoto.js'), 'serve', '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, ...env, GRADPHOTO_DATA: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /is running: (http:\/\/\S+)/.exec(output);
      if (m) resolve({ url: m[1]!.replace('localhost', '127.0.0.1'), child, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gradphoto serve exited with ${code}:\n${output}`)));
  });
}

export async function stop(server: ServeProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}
