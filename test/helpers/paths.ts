// Where things are, from the tests' point of view: one place instead of a `new URL('../..', …)` per file.
import { fileURLToPath } from 'node:url';

/** The repository root, with a trailing slash. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
