// Entry of the photo analysis thread (photo-analysis-worker.ts): a worker starts without the main thread's
// module hooks, so the TypeScript loader is registered here first, as bin/gradphoto.js does for the process.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
await import(new URL('./photo-analysis-worker.ts', import.meta.url).href);
