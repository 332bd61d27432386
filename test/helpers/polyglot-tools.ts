// Finds what .ci/setup-polyglot.sh prepared for the cross-language bridge tests: the Python venv,
// the Go example binary, the built OpenTelemetry Collector, protoc and the opentelemetry-proto
// .proto files. Each lookup returns the path, or undefined with the reason (including what the
// setup script recorded about that step), so a test can skip saying exactly why.
//
// Paths: an env var wins (OTEL_LANGSMITH_PYTHON, OTEL_LANGSMITH_GO_EXAMPLE, OTEL_LANGSMITH_OTELCOL,
// OTEL_LANGSMITH_OTLP_PROTO_DIR), else the cache the script fills:
// ${OTEL_LANGSMITH_CACHE:-$HOME/.cache/otel-langsmith}, keyed by the same hashes the script uses.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

export const CACHE_DIR = process.env.OTEL_LANGSMITH_CACHE || join(homedir(), '.cache', 'otel-langsmith');

export const PYTHON_SERVICE = join(REPO_ROOT, 'examples/polyglot/python/service.py');
export const GO_EXAMPLE_DIR = join(REPO_ROOT, 'examples/polyglot/go');
export const COLLECTOR_DIR = join(REPO_ROOT, 'examples/collector');
export const COLLECTOR_MANIFEST = join(COLLECTOR_DIR, 'builder-config.yaml');

/** A tool's path, or why there is none. */
export type Lookup = { path: string; reason?: undefined } | { path: undefined; reason: string };

const found = (path: string): Lookup => ({ path });
const SETUP = 'run .ci/setup-polyglot.sh';

function missing(what: string, step: string): Lookup {
  return { path: undefined, reason: `${what}; ${SETUP}${setupSaid(step)}` };
}

/** What the setup script's last run said about a step, e.g. " (last setup: skipped go not installed)". */
function setupSaid(step: string): string {
  try {
    const line = readFileSync(join(CACHE_DIR, 'status', step), 'utf8').trim();
    return line ? ` (its last run said: ${line})` : '';
  } catch {
    return ' (it has not run on this machine)';
  }
}

/** The first 16 hex digits of the sha256 of the files' contents, concatenated (as the script's hash16). */
export function hash16(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fromEnv(name: string): Lookup | undefined {
  const value = process.env[name];
  if (!value) return undefined;
  return existsSync(value) ? found(value) : { path: undefined, reason: `${name}=${value} does not exist` };
}

/** The venv's python with the pinned OpenTelemetry packages (examples/polyglot/python/requirements.txt). */
export function findPython(): Lookup {
  const env = fromEnv('OTEL_LANGSMITH_PYTHON');
  if (env) return env;
  const hash = hash16([join(REPO_ROOT, 'examples/polyglot/python/requirements.txt')]);
  const venv = join(CACHE_DIR, 'python', `venv-${hash}`);
  if (existsSync(join(venv, '.complete')) && executable(join(venv, 'bin/python'))) return found(join(venv, 'bin/python'));
  return missing(`no Python venv for requirements ${hash} in ${join(CACHE_DIR, 'python')}`, 'python');
}

/** The venv's python with Strands Agents (test/polyglot/strands/requirements.txt). */
export function findStrandsPython(): Lookup {
  const env = fromEnv('OTEL_LANGSMITH_STRANDS_PYTHON');
  if (env) return env;
  const hash = hash16([join(REPO_ROOT, 'test/polyglot/strands/requirements.txt')]);
  const venv = join(CACHE_DIR, 'strands-python', `venv-${hash}`);
  if (existsSync(join(venv, '.complete')) && executable(join(venv, 'bin/python'))) return found(join(venv, 'bin/python'));
  return missing(`no Strands Python venv for requirements ${hash} in ${join(CACHE_DIR, 'strands-python')}`, 'strands-python');
}

/** The Go example (`weather serve|run`) built from the current sources. */
export function findGoExample(): Lookup {
  const env = fromEnv('OTEL_LANGSMITH_GO_EXAMPLE');
  if (env) return env;
  const sources = readdirSync(GO_EXAMPLE_DIR)
    .filter((name) => name.endsWith('.go'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // C-locale order, as `LC_ALL=C ls`
  const hash = hash16(['go.mod', 'go.sum', ...sources].map((name) => join(GO_EXAMPLE_DIR, name)));
  const binary = join(CACHE_DIR, 'go-example', hash, 'weather');
  if (executable(binary)) return found(binary);
  return missing(`no Go example binary for sources ${hash} (${binary})`, 'go-example');
}

/** The Collector built by ocb from examples/collector/builder-config.yaml. */
export function findCollector(): Lookup {
  const env = fromEnv('OTEL_LANGSMITH_OTELCOL');
  if (env) return env;
  const hash = hash16([COLLECTOR_MANIFEST]);
  const binary = join(CACHE_DIR, 'otelcol', hash, 'otelcol-langsmith');
  if (executable(binary)) return found(binary);
  return missing(`no Collector built from builder-config.yaml ${hash} (${binary})`, 'collector');
}

/** protoc on the PATH. */
export function findProtoc(): Lookup {
  const probe = spawnSync('protoc', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return found('protoc');
  return missing('`protoc` is not on the PATH (Debian: protobuf-compiler)', 'protoc');
}

/** The version of opentelemetry-proto the protoc fixtures are encoded with. */
export const OTLP_PROTO_VERSION = readFileSync(new URL('../fixtures/otlp/opentelemetry-proto.version', import.meta.url), 'utf8').trim();

/** The root of the opentelemetry-proto .proto files (holding opentelemetry/proto/...). */
export function findOtlpProtoDir(): Lookup {
  const env = fromEnv('OTEL_LANGSMITH_OTLP_PROTO_DIR');
  if (env) return env;
  const dir = join(CACHE_DIR, 'opentelemetry-proto', OTLP_PROTO_VERSION);
  if (existsSync(join(dir, 'opentelemetry/proto/collector/trace/v1/trace_service.proto'))) return found(dir);
  return missing(`no opentelemetry-proto ${OTLP_PROTO_VERSION} .proto files in ${dir}`, 'proto-files');
}

/**
 * The paths of the named lookups, or undefined after printing one warning line per missing tool
 * (`file: skipped, <reason>`), for `describe.runIf(tools)`.
 */
export function requireTools<K extends string>(file: string, lookups: Record<K, Lookup>): Record<K, string> | undefined {
  const reasons = Object.entries<Lookup>(lookups).filter(([, lookup]) => lookup.path === undefined);
  if (reasons.length === 0) return Object.fromEntries(Object.entries<Lookup>(lookups).map(([key, lookup]) => [key, lookup.path])) as Record<K, string>;
  for (const [name, lookup] of reasons) console.warn(`${file}: skipped, ${name}: ${lookup.reason}`);
  return undefined;
}
