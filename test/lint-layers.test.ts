// Self-test of the layer import rules in eslint.config.js (docs/architecture.md, "Layers and what may
// import what"). Lints snippets as if they were files at the given paths; the files need not exist.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAYER_RULES = new Set(['@typescript-eslint/no-restricted-imports', 'no-restricted-syntax']);

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.js') });
});

/** Layer-rule messages ESLint reports for `code` placed at `file` (relative to the repo root). */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  if (!result) throw new Error('ESLint returned no result');
  const fatal = result.messages.filter((m) => m.fatal);
  expect(fatal, 'snippet must parse').toEqual([]);
  return result.messages
    .filter((m) => m.ruleId !== null && LAYER_RULES.has(m.ruleId) && m.severity === 2)
    .map((m) => m.message);
}

describe('layer import rules', { timeout: 60_000 }, () => {
  it('lets a test beside the code use the shared harness, but nothing else outside src/ and no other layer', async () => {
    const harness = "import { createTestRuntime } from '../../test/support/runtime.js';\nimport { x } from '../../test/fixtures/make-roster-fixtures.js';\nexport const y = [createTestRuntime, x];\n";
    expect(await layerErrors('src/services/probe.test.ts', harness)).toEqual([]);
    expect(await layerErrors('src/services/probe.test.ts', "import { z } from '../../bench/lib.js';\nexport const y = z;\n")).toHaveLength(1);
    expect(await layerErrors('src/domain/probe.test.ts', "import { db } from '../db/database.js';\nexport const y = db;\n")).toHaveLength(1);
    // the same harness import from production code stays forbidden
    expect(await layerErrors('src/services/probe.ts', harness)).toHaveLength(2);
  });

  it('refuses src/domain importing src/db', async () => {
    const errors = await layerErrors(
      'src/domain/probe.ts',
      "import { db } from '../db/database.js';\nexport const x = db;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/src\/domain may import no other src\/ folder/);
  });

  it('refuses src/domain importing node:fs', async () => {
    const errors = await layerErrors(
      'src/domain/probe.ts',
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/not allowed in src\/domain/);
  });

  it('refuses src/web importing src/services', async () => {
    const errors = await layerErrors(
      'src/web/probe.tsx',
      "import { x } from '../services/x.js';\nexport const y = x;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/src\/web may import only src\/contracts/);
  });

  it('allows what the table allows', async () => {
    const cases: [string, string][] = [
      ['src/domain/probe.ts', "import { a } from './errors.js';\nimport { createHash } from 'node:crypto';\nexport const x = [a, createHash];\n"],
      ['src/services/probe.ts', "import { r } from '../repositories/r.js';\nimport { d } from '../db/database.js';\nimport type { Kysely } from 'kysely';\nexport const x: Kysely<unknown> | [unknown, unknown] = [r, d];\n"],
      ['src/services/sub/probe.ts', "import { r } from '../../repositories/r.js';\nexport const x = r;\n"],
      ['src/http/routes/probe.ts', "import { s } from '../../services/s.js';\nimport { h } from '../db/helper.js';\nimport fastify from 'fastify';\nexport const x = [s, h, fastify];\n"],
      ['src/web/pages/probe.tsx', "import { c } from '../../contracts/c.js';\nimport { Button } from 'antd';\nexport const x = [c, Button];\n"],
      ['src/domain/probe.test.ts', "import { it } from 'vitest';\nimport { readFileSync } from 'node:fs';\nit('x', () => readFileSync);\n"],
    ];
    for (const [file, code] of cases) {
      expect(await layerErrors(file, code), file).toEqual([]);
    }
  });

  it('refuses other crossings, including nested files, re-exports and dynamic imports', async () => {
    const cases: [string, string][] = [
      ['src/http/routes/probe.ts', "import { r } from '../../repositories/r.js';\nexport const x = r;\n"],
      ['src/http/probe.ts', "export { d } from '../db/database.js';\n"],
      ['src/cli/probe.ts', "import { r } from '../repositories/r.js';\nexport const x = r;\n"],
      ['src/domain/probe.ts', "import { d } from '../../src/db/database.js';\nexport const x = d;\n"],
      ['src/domain/probe.ts', "export const load = () => import('../db/database.js');\n"],
      ['src/domain/probe.ts', "import { randomBytes } from 'node:crypto';\nexport const x = randomBytes;\n"],
      ['src/domain/probe.ts', "import { z } from 'zod';\nexport const x = z;\n"],
      ['src/services/probe.ts', "import { sql } from 'kysely';\nexport const x = sql;\n"],
      ['src/services/probe.ts', "import { c } from '../config/index.js';\nexport const x = c;\n"],
      ['src/repositories/probe.ts', "import { a } from '../adapters/a.js';\nexport const x = a;\n"],
      ['src/web/probe.tsx', "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n"],
      ['src/contracts/probe.ts', "import { s } from '../services/s.js';\nexport const x = s;\n"],
    ];
    for (const [file, code] of cases) {
      expect((await layerErrors(file, code)).length, `${file}: ${code}`).toBeGreaterThan(0);
    }
  });
});
