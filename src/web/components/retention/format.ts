/** Bytes as people read them: KB below a megabyte, MB with one decimal above. */
export function formatSize(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n === 0) return '0 KB';
  return `${Math.max(1, Math.round(n / 1024))} KB`;
}
