// What the exporter does to each span before it is queued, as one bundle for the per-span cost
// benchmark: mapping, and serialization within the size budget (not public API).
export { mapSpan } from '../src/mapping/map-span.js';
export { serializeWithinBudget } from '../src/shaping/size-budget.js';
