// The documentation must stand alone in a clone: every relative link of README.md and docs/ resolves
// (file and heading), nothing points outside the repository to the planning folder it was written from,
// and docs/rules/campaign-rules.md has a row for every rule ID the code cites.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function listFiles(dir: string, keep: (file: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : listFiles(full, keep);
    return keep(full) ? [full] : [];
  });
}

const markdownFiles = [path.join(root, 'README.md'), ...listFiles(path.join(root, 'docs'), (f) => f.endsWith('.md'))];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function headingsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/^#{1,6} (.*)$/gm)].map((m) => anchorOf(m[1]!));
}

describe('the documentation stands alone', () => {
  it.each(markdownFiles.map((f) => [path.relative(root, f), f] as const))('%s: every relative link resolves', (_name, file) => {
    const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1]!;
      if (/^[a-z]+:/i.test(link)) continue; // http(s), mailto
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const resolved = target ? path.resolve(path.dirname(file), target) : file;
      if (!resolved.startsWith(root + path.sep)) broken.push(`${link} (outside the repository)`);
      else if (!fs.existsSync(resolved)) broken.push(`${link} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !headingsOf(resolved).includes(anchor)) broken.push(`${link} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });

  it('no source, test, script or document refers to the planning folder outside the repository', () => {
    // Built from parts so that this file does not match itself.
    const outside = new RegExp(['\\.\\./shared/', 'shared/(?:spec|design)/'].join('|'));
    const folders = ['src', 'test', 'bench', 'scripts', 'bin', '.ci', 'docs'].map((d) => path.join(root, d));
    const files = [
      ...folders.flatMap((d) => listFiles(d, (f) => /\.(?:ts|tsx|js|mjs|cjs|md|json|sh)$/.test(f) || path.basename(f) === 'run')),
      ...['README.md', 'eslint.config.js', 'package.json', 'vitest.config.ts', 'vite.config.ts'].map((f) => path.join(root, f)),
    ];
    const hits = files.filter((f) => fs.existsSync(f) && outside.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
    expect(hits).toEqual([]);
  });

  it('docs/rules/campaign-rules.md has a row for every rule ID', () => {
    const rules = fs.readFileSync(path.join(root, 'docs', 'rules', 'campaign-rules.md'), 'utf8');
    const rows = new Set([...rules.matchAll(/^\| ([A-Z]\d) \|/gm)].map((m) => m[1]!));
    const ids = [
      ...['E0', 'E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7'],
      ...['S1', 'S2', 'S3', 'S4', 'S5', 'S6'],
      ...['C1', 'C2', 'C3', 'C4', 'P1'],
      ...['F1', 'F2', 'F3', 'F4'],
      ...['A1', 'A2', 'A3'],
    ];
    expect([...rows].sort()).toEqual([...ids].sort());
  });
});
