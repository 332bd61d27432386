// The per-span cost scenario (mapping-cost-child.mjs) in a process of its own: it needs --expose-gc
// to charge each candidate its own garbage collections, and its JIT and heap state stay out of the
// throughput figures measured in this process afterwards.
import { runChild } from './run-child.mjs';

export async function runMappingCost() {
  return (await runChild('./mapping-cost-child.mjs', undefined, { execArgv: ['--expose-gc'], label: 'mapping-cost child' })).result;
}
