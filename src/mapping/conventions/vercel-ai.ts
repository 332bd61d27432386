import type { Convention } from './types.js';

// Placeholder until this convention is implemented.
export const vercelAiConvention: Convention = {
  id: 'vercel-ai',
  read: () => undefined,
};
