import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `api` directory. This module sits directly in `api/src`, and the production bundle
 * in `api/dist`: one level below `api` either way, so the same expression serves both.
 */
export const API_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
