import { defineConfig } from 'tsup';

// Library entry points ship as ESM and CommonJS with their own declarations;
// the CLI is ESM only (it is run, never required).
export default defineConfig([
  {
    entry: { index: 'src/index.ts', testing: 'src/testing.ts', bridge: 'src/bridge.ts', register: 'src/register.ts' },
    format: ['esm', 'cjs'],
    shims: true, // import.meta.url in the CommonJS build (it locates the delivery worker's script)
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: true,
  },
  {
    // The delivery worker's script (deliveryThread: 'worker'), ESM for both module systems.
    entry: { 'delivery-worker': 'src/pipeline/delivery-worker.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
