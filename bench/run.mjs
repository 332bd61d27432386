// `npm run bench`: every benchmark, one after another. Never part of `npm test`.
await import('./core.mjs');
