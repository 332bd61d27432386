// Bundles TypeScript from the repository (straight from src/) into bench/results/ and imports it,
// for benchmarks of internals the package does not export. esbuild is what tsup builds with.
import { build } from 'esbuild';

/** Bundles `entry` (a path relative to bench/) into bench/results/`name`.mjs and imports it. */
export async function loadBundled(entry, name) {
  const outfile = new URL(`./results/${name}.mjs`, import.meta.url).pathname;
  await build({
    entryPoints: [new URL(entry, import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return import(outfile);
}

/** bench/internals.ts: the exporter's per-span steps, for the per-span cost benchmark. */
export function loadInternals() {
  return loadBundled('./internals.ts', 'internals');
}
