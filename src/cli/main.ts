#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BridgeDependencyError, loadBridgeModule } from '../bridge-dependencies.js';
import { BRIDGE_SUMMARY } from './bridge-summary.js';
import { DEV_SUMMARY, devCommand } from './dev.js';
import { DOCTOR_SUMMARY, doctorCommand } from './doctor.js';
import { REPLAY_SUMMARY, replayCommand } from './replay.js';
import { packageVersion } from './version.js';

interface Command {
  summary: string;
  /** Resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  dev: { summary: DEV_SUMMARY, run: devCommand },
  bridge: { summary: BRIDGE_SUMMARY, run: bridgeCommand },
  doctor: { summary: DOCTOR_SUMMARY, run: (argv) => doctorCommand(argv) },
  replay: { summary: REPLAY_SUMMARY, run: replayCommand },
};

/**
 * Loaded when asked for: the bridge needs optional peer dependencies (see bridge-dependencies.ts),
 * which the other commands must not.
 */
async function bridgeCommand(argv: string[]): Promise<number> {
  try {
    const { bridgeCommand: run } = await loadBridgeModule(() => import('./bridge.js'));
    return await run(argv);
  } catch (error) {
    if (!(error instanceof BridgeDependencyError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

const USAGE = `Usage: otel-langsmith <command> [options]
       otel-langsmith --version

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(8)} ${command.summary}`)
  .join('\n')}

Run 'otel-langsmith <command> --help' for a command's options.
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${packageVersion() ?? 'unknown'}\n`);
    return 0;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    process.stderr.write(`${name === undefined ? '' : `otel-langsmith: unknown command '${name}'\n\n`}${USAGE}`);
    return 2;
  }
  return command.run(rest);
}

/** Importing this module (as tests do) must not run the CLI; only executing it does. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = await main(process.argv.slice(2));
