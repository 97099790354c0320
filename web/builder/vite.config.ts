import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The builder SPA: built into dist/builder, served by the platform at http://localhost:PORT/. */
export default defineConfig({
  root: here,
  base: '/',
  // CodeMirror (~520 kB, loaded when an editor first opens) is one lazy chunk on purpose.
  build: { outDir: path.join(here, '..', '..', 'dist', 'builder'), emptyOutDir: true, assetsDir: 'assets', chunkSizeWarningLimit: 600 },
  logLevel: 'warn',
});
