// Bundles bench/internals.ts (the exporter's per-span steps, straight from src/) for the
// per-span cost benchmark. esbuild is what tsup builds the package with.
import { build } from 'esbuild';

export async function loadInternals() {
  const outfile = new URL('./results/internals.mjs', import.meta.url).pathname;
  await build({
    entryPoints: [new URL('./internals.ts', import.meta.url).pathname],
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
