import { createRequire } from 'node:module';
import { join } from 'node:path';

export type LoadResult =
  | { kind: 'loaded'; module: unknown; /** Where it was found. */ path: string }
  | { kind: 'missing' }
  | { kind: 'broken'; error: unknown };

/** Loads an optional package synchronously (so instrumentations patch before the app loads anything). */
export type ModuleLoader = (name: string) => LoadResult;

/**
 * Resolves optional packages (`@opentelemetry/sdk-node`, `@opentelemetry/auto-instrumentations-node`)
 * from this package's own location first, then from the application's entry script and the working
 * directory: wherever the user installed them. `require` works from both builds, and the specifiers
 * are not literals, so the bundler leaves them alone and they stay optional.
 */
export function createModuleLoader(anchors: string[] = defaultAnchors()): ModuleLoader {
  const requires = [...new Set(anchors)].flatMap((anchor) => {
    try {
      return [createRequire(anchor)];
    } catch {
      return [];
    }
  });
  return (name) => {
    for (const req of requires) {
      let resolved: string;
      try {
        resolved = req.resolve(name);
      } catch {
        continue;
      }
      try {
        return { kind: 'loaded', module: req(resolved), path: resolved };
      } catch (error) {
        return { kind: 'broken', error };
      }
    }
    return { kind: 'missing' };
  };
}

function defaultAnchors(): string[] {
  const anchors: string[] = [];
  const own = ownFile();
  if (own) anchors.push(own);
  const main = process.argv[1];
  if (main) anchors.push(main);
  anchors.push(join(process.cwd(), 'noop.js'));
  return anchors;
}

/**
 * The file this code was bundled into (dist/register.js or dist/register.cjs). `__filename` exists
 * in the CommonJS build; the ESM build reads it from a call site, since `import.meta` cannot appear
 * in source that is also built as CommonJS.
 */
function ownFile(): string | undefined {
  if (typeof __filename === 'string') return __filename;
  const original = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, callSites) => callSites;
    const callSites = new Error().stack as unknown as NodeJS.CallSite[] | undefined;
    const file = Array.isArray(callSites) ? callSites[0]?.getFileName() : undefined;
    return file ?? undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = original;
  }
}
