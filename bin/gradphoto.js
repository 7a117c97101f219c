#!/usr/bin/env node
// `gradphoto` command: runs the TypeScript CLI (src/cli/main.ts) through tsx's ESM loader, so
// `npx gradphoto …` works from the package folder without a build step. main.ts runs the
// commander program when imported. Paths resolve from this file, not from the current directory.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import(new URL('../src/cli/main.ts', import.meta.url).href);
