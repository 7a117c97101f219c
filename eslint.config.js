// ESLint flat config for gradphoto.
//
// Besides typescript-eslint's `recommended` set (NOT type-aware, to stay fast), this file
// enforces the layer import table of docs/architecture.md ("Layers and what may import what").
// Keep LAYER_RULES below and that table in step: test/architecture-doc.test.ts reads both and fails
// when they differ. A change of the table gets a decision record in docs/decisions/.
//
// How the layer rule works, and its limits
// ----------------------------------------
// `no-restricted-imports` only sees the import *specifier* string, not the resolved file. So for
// every layer folder and every nesting depth below it we generate one config block whose patterns
// know how many `../` lead out of the layer:
//   src/http/app.ts          `../db/x.js`     -> leaves http, enters db           -> checked
//   src/http/routes/a.ts     `../db/x.js`     -> stays inside src/http/db         -> allowed
//   src/http/routes/a.ts     `../../db/x.js`  -> leaves http, enters db           -> checked
//   src/http/app.ts          `../../src/db/x.js` (climbs out of src/)           -> always an error
// We use `@typescript-eslint/no-restricted-imports` (the base rule plus `allowTypeImports`), so
// `import`, `import type`, `export … from` and `import x = require()` are all covered.
// Dynamic `import('…')` and type-level `import('…').T` are not seen by that rule; a generated
// `no-restricted-syntax` rule catches those when the specifier is a plain string literal.
// Known holes (approximations, no resolver involved):
//   - template-literal / computed dynamic imports, `createRequire(...)('…')`;
//   - non-normalised specifiers such as `./sub/../../db/x.js`;
//   - files nested MAX_DEPTH or more folders below a layer folder share one block: a specifier
//     climbing at least MAX_DEPTH+1 levels into a forbidden layer name is refused, and the
//     "outside src/" check is skipped;
//   - files directly in src/ (no layer folder) are not restricted.
// npm packages and node built-ins are checked by allow-lists (`packages`) or, for the web app,
// a deny-list of server-only packages. Widen a list here (and in docs/architecture.md, which the
// test above checks) rather than disabling the rule in a file.
//
// Test files inside src (`*.test.ts[x]`) keep their folder's LAYER restrictions (a unit test of a
// layer should not reach into layers its code may not use) but may also import `vitest` and node
// built-ins. Files under test/, bench/, scripts/ have no layer restrictions.

import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Exported (with the lists below) for test/architecture-doc.test.ts; ESLint reads only the default export.
export const LAYERS = [
  'domain',
  'contracts',
  'db',
  'repositories',
  'adapters',
  'services',
  'http',
  'cli',
  'web',
  'config',
];

/** Node built-ins, bare (`fs`, `fs/promises`) or prefixed (`node:fs`). */
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
export const BUILTIN = `node:[^/]+|${builtinModules.filter((m) => !m.startsWith('_')).map(escapeRe).join('|')}`;

export const SERVER_ONLY_PACKAGES = [
  'fastify',
  'fastify-[^/]+',
  '@fastify/[^/]+',
  'kysely',
  'pg',
  'pg-[^/]+',
  'better-sqlite3',
  'sharp',
  'onnxruntime-node',
  'pino',
  'pino-[^/]+',
  'commander',
  'cli-progress',
  '@node-rs/[^/]+',
  'tsx',
];

/**
 * What each layer may import.
 *   layers:       other src/ folders it may import (its own folder is always allowed)
 *   packages:     regex alternatives of allowed bare specifiers (npm packages / built-ins);
 *                 'ANY' = no restriction; omitted with `denyPackages` = deny-list mode
 *   typeOnly:     bare specifiers allowed with `import type` only
 *   note:         why, shown in the lint message
 */
export const LAYER_RULES = {
  domain: {
    layers: [],
    // Pure rules: no I/O, no clock, no npm packages. node:crypto only for hashing (see PATHS).
    packages: ['node:crypto'],
  },
  contracts: {
    layers: ['domain'],
    packages: ['zod'],
  },
  db: {
    layers: ['domain'],
    packages: ['kysely', 'better-sqlite3', 'pg', 'pg-[^/]+', BUILTIN],
  },
  repositories: {
    layers: ['db', 'domain'],
    packages: ['kysely'],
  },
  adapters: {
    layers: ['domain'],
    packages: 'ANY',
  },
  services: {
    // `db` is allowed beyond the table: services open transactions (`db.transaction()`), and
    // the composition root that builds repositories/adapters for http and cli lives here.
    layers: ['domain', 'repositories', 'adapters', 'contracts', 'db'],
    packages: [BUILTIN],
    // e.g. `import type { Transaction } from 'kysely'`, `import type { z } from 'zod'`
    typeOnly: ['kysely', 'zod'],
  },
  http: {
    // `domain` beyond the table: AppError and i18n of error messages.
    layers: ['services', 'contracts', 'config', 'domain'],
    packages: ['fastify', 'fastify-[^/]+', '@fastify/[^/]+', 'zod', 'pino', BUILTIN],
    typeOnly: ['openapi-types'],
  },
  cli: {
    // `domain` and `http` beyond the table: `gradphoto serve` starts the http app.
    layers: ['services', 'contracts', 'config', 'domain', 'http'],
    packages: ['commander', 'cli-progress', 'zod', 'pino', BUILTIN],
  },
  web: {
    // Talks to the server over HTTP only; shares the Zod contracts.
    layers: ['contracts'],
    denyPackages: [BUILTIN, ...SERVER_ONLY_PACKAGES],
  },
  config: {
    // Node built-ins beyond the table (node:path for the data directory, node:os, …).
    layers: [],
    packages: ['zod', BUILTIN],
  },
};

/** Extra `paths` entries (name-level restrictions) per layer. */
export const PATHS = {
  domain: [
    {
      name: 'node:crypto',
      allowImportNames: ['createHash', 'createHmac', 'timingSafeEqual'],
      allowTypeImports: true,
      message:
        'src/domain may use node:crypto for hashing only (createHash, createHmac, timingSafeEqual): no randomness or keys in pure rules; pass them in.',
    },
  ],
};

const MAX_DEPTH = 5;
const TEST_GLOBS = ['**/*.test.ts', '**/*.test.tsx'];
const SOURCE_EXT = '{ts,tsx,mts,cts,js,mjs,jsx}';

const alt = (list) => list.join('|');
const notRelative = '(?!\\.{1,2}(?:/|$))';

/**
 * @param {string} layer
 * @param {number} depth folders between src/<layer>/ and the file (0 = directly inside)
 * @param {boolean} isTest
 */
function layerOptions(layer, depth, isTest) {
  const deep = depth === MAX_DEPTH;
  const rule = LAYER_RULES[layer];
  const forbiddenLayers = LAYERS.filter((l) => l !== layer && !rule.layers.includes(l));
  const up = `(?:\\./)?(?:\\.\\./){${depth + 1}${deep ? ',' : ''}}`;
  const allowedText = rule.layers.length
    ? `only ${rule.layers.map((l) => `src/${l}`).join(', ')} among the src/ folders`
    : 'no other src/ folder';
  /** @type {{ regex: string, message: string, caseSensitive: boolean, allowTypeImports?: boolean }[]} */
  const patterns = [];
  const re = []; // regexes also used for dynamic import() / import('…').T

  if (forbiddenLayers.length) {
    const r = `^${up}(?:${alt(forbiddenLayers)})(?:/|$)`;
    re.push(r);
    patterns.push({
      regex: r,
      caseSensitive: true,
      message: `Layer rule (docs/architecture.md): src/${layer} may import ${allowedText}.`,
    });
  }
  if (!deep) {
    // A test beside the code may use the shared harness (test/support, test/fixtures) and nothing else outside src/.
    const outOfSrc = isTest
      ? `^(?:\\./)?(?:(?:\\.\\./){${depth + 3},}|(?:\\.\\./){${depth + 2}}(?!test/(?:support|fixtures)/))`
      : `^(?:\\./)?(?:\\.\\./){${depth + 2},}`;
    re.push(outOfSrc);
    patterns.push({
      regex: outOfSrc,
      caseSensitive: true,
      message: `Layer rule (docs/architecture.md): src/${layer} must not import from outside src/ (nor reach another layer via ../../src/…).`,
    });
  }

  const testExtras = isTest ? ['vitest', BUILTIN] : [];
  if (rule.denyPackages) {
    const r = `^(?:${alt(rule.denyPackages.filter((p) => !(isTest && p === BUILTIN)))})(?:/|$)`;
    re.push(r);
    patterns.push({
      regex: r,
      caseSensitive: true,
      message: `Layer rule (docs/architecture.md): src/${layer} runs in the browser: no node built-ins or server-only packages.`,
    });
  } else if (rule.packages !== 'ANY' && !isTest) {
    // Tests may use any installed package (exceljs to read an export back, better-sqlite3 to tamper with a file).
    const typeOnly = rule.typeOnly ?? [];
    const allowed = [...rule.packages, ...testExtras, ...typeOnly];
    const r = `^${notRelative}(?!(?:${alt(allowed)})(?:/|$))`;
    re.push(r);
    patterns.push({
      regex: r,
      caseSensitive: true,
      message: `Layer rule (docs/architecture.md): this package or built-in is not allowed in src/${layer}; allowed here: ${
        allowed.map((a) => (a === BUILTIN ? 'node built-ins' : a)).join(', ') || 'none'
      }. Put I/O behind src/adapters, or widen LAYER_RULES in eslint.config.js if the architecture changed.`,
    });
    if (typeOnly.length) {
      const t = `^(?:${alt(typeOnly)})(?:/|$)`;
      re.push(t);
      patterns.push({
        regex: t,
        caseSensitive: true,
        allowTypeImports: true,
        message: `Layer rule (docs/architecture.md): src/${layer} may use ${typeOnly.join(', ')} for types only (\`import type\`).`,
      });
    }
  }

  const paths = PATHS[layer] ?? [];
  // esquery regex literal: escape the slashes.
  const esq = (r) => r.replace(/\//g, '\\/');
  const dynamicRe = re.map(esq).join('|');
  const dynMsg = `Layer rule (docs/architecture.md): this dynamic import is not allowed in src/${layer} (same table as static imports).`;
  // Name-level bans (PATHS) are not applied to dynamic imports; a dynamic import of such a
  // module yields a namespace object, which the static rule would also refuse.
  const pathNames = paths.map((p) => `^${escapeRe(p.name)}$`).map(esq);
  const dynAll = [dynamicRe, ...pathNames].filter(Boolean).join('|');

  return {
    '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }],
    'no-restricted-syntax': [
      'error',
      { selector: `ImportExpression[source.value=/${dynAll}/]`, message: dynMsg },
      { selector: `TSImportType[source.value=/${dynAll}/]`, message: dynMsg },
    ],
  };
}

const layerBlocks = [];
for (const layer of LAYERS) {
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    const dir = `src/${layer}/${'*/'.repeat(depth)}`;
    const files = depth === MAX_DEPTH ? [`${dir}**/*.${SOURCE_EXT}`] : [`${dir}*.${SOURCE_EXT}`];
    layerBlocks.push({
      name: `gradphoto/layers/${layer}/depth-${depth}`,
      files,
      ignores: TEST_GLOBS,
      rules: layerOptions(layer, depth, false),
    });
    layerBlocks.push({
      name: `gradphoto/layers/${layer}/depth-${depth}/tests`,
      files: files.map((f) => f.replace(`*.${SOURCE_EXT}`, '*.test.{ts,tsx}')),
      rules: layerOptions(layer, depth, true),
    });
  }
}

const NODE_GLOBALS = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'structuredClone',
    'fetch',
    'AbortController',
    'TextEncoder',
    'TextDecoder',
    'globalThis',
  ].map((g) => [g, 'readonly']),
);

export default defineConfig(
  {
    name: 'gradphoto/ignores',
    ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '.tmp/**', '**/*.d.ts.map'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    name: 'gradphoto/base',
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Plain JS run by Node (this file, scripts/, bin/): TypeScript does not check these.
    name: 'gradphoto/node-js',
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: NODE_GLOBALS },
  },
  ...layerBlocks,
);
