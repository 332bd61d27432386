import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * This package's version, from its package.json: the nearest one named otel-langsmith above this
 * module (dist/cli.js in the package, src/cli/ in the repository). Undefined if none is found.
 */
export function packageVersion(from: string = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'otel-langsmith' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here (or not JSON): look further up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
