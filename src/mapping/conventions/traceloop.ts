import type { Convention } from './types.js';

// Placeholder until this convention is implemented.
export const traceloopConvention: Convention = {
  id: 'traceloop',
  read: () => undefined,
};
