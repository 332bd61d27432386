// The log join's pieces, bundled for bench/log-join.mjs (not public API).
export { LogJoin } from '../src/logs/log-join.js';
export { LangSmithLogRecordProcessor } from '../src/logs/genai-log-processor.js';
export { SnapshotWriter } from '../src/thread/span-snapshot.js';
