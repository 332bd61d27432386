import type { Convention } from './types.js';

// Placeholder until this convention is implemented.
export const httpConvention: Convention = {
  id: 'http',
  read: () => undefined,
};
