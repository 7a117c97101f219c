// Runs the shipped `gradphoto` command (bin/gradphoto.js) in a child process, as a user would, from a directory
// that is not the repository: what a CLI test needs to check its exit status and what it printed.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const GRADPHOTO_BIN = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'), 'bin', 'gradphoto.js');

export interface GradphotoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `gradphoto ARGS` with `env` over this process's environment; killed after `timeoutMs` (default 60 s). */
export function runGradphoto(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<GradphotoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GRADPHOTO_BIN, ...args], { cwd: os.tmpdir(), env: { ...process.env, ...env }, timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
