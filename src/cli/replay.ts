import { replaySpool } from '../replay/replay-spool.js';

export const REPLAY_SUMMARY = 'resend the runs an exporter kept in its failed-runs spool, parents first';

const HELP = `Usage: otel-langsmith replay DIR [options]

Resends the runs an exporter kept in its failed-runs spool (failedRunsDir /
LANGSMITH_FAILED_TRACES_DIR), parents first, and removes from DIR what LangSmith
acknowledged. Runs refused again stay in DIR.

Options:
  --endpoint URL   LangSmith API base URL (env LANGSMITH_ENDPOINT; default https://api.smith.langchain.com)
  --help           this text

The API key comes from LANGSMITH_API_KEY (never a flag, so it stays out of shell history).
Exit code: 0 when everything was delivered, 1 when runs remain, 2 on usage errors.`;

export async function replayCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  let endpoint: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--endpoint') endpoint = argv[++i];
    else if (argv[i]!.startsWith('--')) {
      console.error(`otel-langsmith replay: unknown option ${argv[i]}\n\n${HELP}`);
      return 2;
    } else positional.push(argv[i]!);
  }
  if (positional.length !== 1) {
    console.error(`otel-langsmith replay: give exactly one directory\n\n${HELP}`);
    return 2;
  }
  const result = await replaySpool(positional[0]!, endpoint ? { endpoint } : {});
  console.log(
    `replayed ${positional[0]}: ${result.delivered} delivered, ${result.remaining} remaining, ` +
      `${result.unreadableLines} unreadable lines left in place (${result.files} files read)`,
  );
  return result.remaining === 0 ? 0 : 1;
}
