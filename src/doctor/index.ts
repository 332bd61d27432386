/** `otel-langsmith doctor` as a library: the checks, without printing. */
export { runDoctor } from './run-doctor.js';
export { doctorPassed, formatResults } from './format.js';
export { describeKeyShape, formatKeyShape, type KeyShape } from './key-shape.js';
export { explainNetworkError, type Explanation } from './explain-error.js';
export { TEST_RUN_NAME, type CheckId, type CheckResult, type CheckStatus, type DoctorOptions } from './types.js';
