import { defineConfig } from 'tsup';

// Library entry points ship as ESM and CommonJS with their own declarations. The CLI and the
// delivery worker's script are ESM only (run, never required): they join the ESM build so they
// share its chunks instead of each carrying a copy of the exporter (cli.js alone was 409 KB).
// No source maps: the package ships no sources for them to point at, and they were over half of
// the tarball.
const common = { target: 'node20', sourcemap: false, splitting: true } as const;
const library = { index: 'src/index.ts', testing: 'src/testing.ts', bridge: 'src/bridge.ts', register: 'src/register.ts' };

export default defineConfig([
  {
    ...common,
    // cli.js keeps its #! line: esbuild preserves the hashbang of src/cli/main.ts in that entry only.
    entry: { ...library, 'delivery-worker': 'src/thread/delivery-worker.ts', cli: 'src/cli/main.ts' },
    format: ['esm'],
    dts: { entry: library },
    clean: true,
  },
  {
    ...common,
    entry: library,
    format: ['cjs'],
    shims: true, // import.meta.url in the CommonJS build (it locates the delivery worker's script)
    dts: { entry: library },
  },
]);
