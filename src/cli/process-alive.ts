/** Whether a process with this id exists (EPERM: it does, under another user). For the pid lock files of `serve` and the station agent. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
