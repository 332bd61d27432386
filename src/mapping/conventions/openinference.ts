import type { Convention } from './types.js';

// Placeholder until this convention is implemented.
export const openInferenceConvention: Convention = {
  id: 'openinference',
  read: () => undefined,
};
