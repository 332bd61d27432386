// What the exporter does to each span before it is queued, as one bundle for the per-span cost
// benchmark: mapping, and serialization within the size budget (not public API).
export { mapSpan } from '../src/mapping/map-span.js';
export { serializeWithinBudget } from '../src/shaping/size-budget.js';
export { RunPipeline } from '../src/pipeline/run-pipeline.js';
export { ExportCall } from '../src/pipeline/export-call.js';
export { FailureLog } from '../src/diagnostics/failure-log.js';
export { emptyCounters } from '../src/pipeline/stats.js';
export { resolveConfig } from '../src/config/resolve-config.js';
