import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { prepareWebClient } from './web-build';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder holding the built web client the test APIs serve. */
    webRoot: string;
  }
}

/** Builds (or copies) the web client once for every browser test file. */
export default function setup(project: TestProject): () => void {
  const web = prepareWebClient();
  project.provide('webRoot', web.root);
  return () => rmSync(web.root, { recursive: true, force: true });
}
