// What the exporter does to each span before it is queued, as one bundle for the per-span cost
// benchmark: mapping, serialization within the size budget, and the transport's UTF-8 encoding
// of a body (not public API).
export { mapSpan } from '../src/mapping/map-span.js';
export { serializeWithinBudget } from '../src/shaping/size-budget.js';
export { BodyEncoder } from '../src/transport/body-encoder.js';
