import type { Convention } from './types.js';

// Placeholder until this convention is implemented.
export const genAiConvention: Convention = {
  id: 'genai',
  read: () => undefined,
};
