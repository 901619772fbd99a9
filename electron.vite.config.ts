/**
 * electron-vite 6: `npx electron-vite build` writes
 *   out/main/index.js      the Electron main process (src-main/app/main.ts), ESM
 *   out/main/worker.js     the training worker run in a utilityProcess (src-main/worker/entry.ts)
 *   out/preload/index.cjs  the sandboxed preload (CommonJS, dependencies bundled: a sandboxed
 *                          preload cannot load modules)
 *   out/renderer/          the Vue UI (src-renderer/index.html); the web host serves it too
 * Node dependencies of main and worker (onnxruntime-node, sharp, ...) stay external and load
 * from node_modules (unpacked from the asar archive where native, see electron-builder.yml).
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src-main/app/main.ts'),
          worker: resolve(__dirname, 'src-main/worker/entry.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(__dirname, 'src-main/app/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    base: './',
    plugins: [vue()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rolldownOptions: { input: resolve(__dirname, 'src-renderer/index.html') },
    },
  },
});
