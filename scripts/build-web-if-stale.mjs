// Used by `npm start`: rebuilds the web app (dist/web) when it is missing or older than its
// sources; prints nothing when it is up to date. Plain Node ESM, no dependencies.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const output = path.join(root, 'dist', 'web', 'index.html');
const inputs = ['src/web', 'src/contracts', 'index.html', 'vite.config.ts'];

/** Newest modification time (ms) of a file, or of any file below a directory; 0 if absent. */
function newestMtime(target) {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its directory's mtime
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    newest = Math.max(newest, newestMtime(path.join(target, entry.name)));
  }
  return newest;
}

const builtAt = existsSync(output) ? statSync(output).mtimeMs : 0;
const sourcesAt = Math.max(...inputs.map((input) => newestMtime(path.join(root, input))));

if (builtAt === 0 || builtAt < sourcesAt) {
  console.error(
    builtAt === 0
      ? 'gradphoto: dist/web is missing; building the web app…'
      : 'gradphoto: web sources changed since the last build; rebuilding the web app…',
  );
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const child = spawn(npx, ['vite', 'build', '--config', 'vite.config.ts'], {
    cwd: root,
    // a production build even when called from the tests (NODE_ENV=test), which would give React's and antd's
    // development builds, their console warnings and slower pages
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  child.on('error', (error) => {
    console.error(`gradphoto: could not run vite: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (code !== 0) console.error(`gradphoto: web build failed (${signal ?? `exit ${code}`})`);
    process.exit(code ?? 1);
  });
}
