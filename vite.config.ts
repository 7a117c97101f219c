import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web app (src/web). `index.html` at the repo root is the entry; the build goes to dist/web,
 * which `gradphoto serve` serves with an SPA fallback. No React plugin: Vite 8 turns TSX into JS
 * with oxc (automatic runtime); without the plugin there is no fast refresh, a full reload instead.
 */
export default defineConfig({
  root,
  publicDir: 'src/web/public',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist/web',
    emptyOutDir: true,
    rolldownOptions: {
      // antd marks its modules "use client" (for React server components); meaningless in this SPA.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/, priority: 20 },
          ],
        },
      },
    },
  },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
