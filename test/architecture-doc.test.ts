// docs/architecture.md's layer table and eslint.config.js's LAYER_RULES must say the same thing: the
// lint enforces the one, newcomers read the other, and a drift between them would make one of them lie.
// Both are parsed here; a row, a folder or a package added on one side only fails this test.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOC = path.join(root, 'docs', 'architecture.md');

interface LayerRule {
  layers: string[];
  packages?: string[] | 'ANY';
  typeOnly?: string[];
  denyPackages?: string[];
}
interface LintTables {
  LAYERS: string[];
  LAYER_RULES: Record<string, LayerRule>;
  BUILTIN: string;
  PATHS: Record<string, { name: string; allowImportNames?: string[] }[]>;
}

/** What one row of the documented table says. */
interface DocRow {
  layer: string;
  layers: string[];
  mode: 'only' | 'anything' | 'all but';
  packages: string[];
  builtins: boolean;
  typeOnly: string[];
  packagesCell: string;
}

const NODE_BUILTINS = 'Node built-ins';

/** The `backticked` words of a cell, without what stands in parentheses (explanations, not list items). */
function backticked(cell: string): string[] {
  return [...cell.replace(/\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** The rows of the table under "## Layers and what may import what". */
function readDocTable(markdown: string): DocRow[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Layers and what may import what'));
  if (!section) throw new Error('docs/architecture.md has no section "Layers and what may import what"');
  // The table ends where the section's first sub-heading begins (the widenings table follows it).
  const lines = section.split(/^### /m)[0]!.split('\n').filter((l) => l.startsWith('| `src/'));
  return lines.map((line) => {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    expect(cells, line).toHaveLength(5);
    const [folder, , layersCell, packagesCell, typeOnlyCell] = cells as [string, string, string, string, string];
    const mode = packagesCell.startsWith('only') ? 'only' : packagesCell.startsWith('anything') ? 'anything' : packagesCell.startsWith('all but') ? 'all but' : undefined;
    if (!mode) throw new Error(`${folder}: the package cell must start with "only", "anything" or "all but": ${packagesCell}`);
    return {
      layer: folder.replace(/`/g, '').replace(/^src\//, ''),
      layers: backticked(layersCell).map((l) => l.replace(/^src\//, '')),
      mode,
      packages: backticked(packagesCell),
      builtins: packagesCell.replace(/\([^)]*\)/g, '').includes(NODE_BUILTINS),
      typeOnly: backticked(typeOnlyCell),
      packagesCell,
    };
  });
}

/** eslint.config.js writes `[^/]+` where the doc writes `*`. */
const readable = (pattern: string) => pattern.replace(/\[\^\/\]\+/g, '*');
const sorted = (list: string[]) => [...list].sort();

describe('docs/architecture.md and eslint.config.js describe the same layers', async () => {
  const lint = (await import(pathToFileURL(path.join(root, 'eslint.config.js')).href)) as LintTables;
  const rows = readDocTable(fs.readFileSync(DOC, 'utf8'));
  const split = (list: string[]) => ({
    builtins: list.includes(lint.BUILTIN),
    packages: sorted(list.filter((p) => p !== lint.BUILTIN).map(readable)),
  });

  it('has one row per layer of the lint, in the same order, each an existing folder', () => {
    expect(rows.map((r) => r.layer)).toEqual(lint.LAYERS);
    for (const layer of lint.LAYERS) expect(fs.existsSync(path.join(root, 'src', layer)), `src/${layer}`).toBe(true);
  });

  it.each(rows.map((r) => [r.layer, r] as const))('src/%s: the same src/ folders, packages and type-only packages', (layer, row) => {
    const rule = lint.LAYER_RULES[layer];
    if (!rule) throw new Error(`eslint.config.js has no LAYER_RULES.${layer}`);
    expect(sorted(row.layers), 'may import from src/').toEqual(sorted(rule.layers));
    expect(sorted(row.typeOnly), 'types only').toEqual(sorted(rule.typeOnly ?? []));
    if (rule.denyPackages) {
      expect(row.mode, row.packagesCell).toBe('all but');
      expect({ builtins: row.builtins, packages: sorted(row.packages) }).toEqual(split(rule.denyPackages));
    } else if (rule.packages === 'ANY') {
      expect(row.mode, row.packagesCell).toBe('anything');
      expect(row.packages).toEqual([]);
    } else {
      expect(row.mode, row.packagesCell).toBe('only');
      expect({ builtins: row.builtins, packages: sorted(row.packages) }).toEqual(split(rule.packages ?? []));
    }
    // Name-level limits (e.g. node:crypto in the domain: hashing only) are spelt out in the row.
    for (const p of lint.PATHS[layer] ?? []) {
      for (const name of p.allowImportNames ?? []) expect(row.packagesCell, `${p.name}: ${name}`).toContain(`\`${name}\``);
    }
  });

  it('links a decision record for every widening it lists, and each record exists', () => {
    const markdown = fs.readFileSync(DOC, 'utf8');
    const records = [...markdown.matchAll(/\]\((decisions\/[^)]+\.md)\)/g)].map((m) => m[1]!);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(fs.existsSync(path.join(root, 'docs', record)), record).toBe(true);
  });
});
