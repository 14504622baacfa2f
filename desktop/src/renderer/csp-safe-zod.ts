// Imported first by both entries, before any module builds a schema: zod decides at
// construction whether it may compile parsers with `new Function`, and its probe, though
// caught, makes the browser report a CSP violation (both CSPs forbid eval) on every load.
import { config } from 'zod';

config({ jitless: true });
