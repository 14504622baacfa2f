/**
 * axe-core run inside the page, for the accessibility checks. The script is evaluated
 * through the browser's debugging protocol, not added as a <script>: the page's own CSP
 * allows no inline script, and the tests must not loosen it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, RunOptions } from 'axe-core';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

declare global {
  interface Window {
    axe?: { run(context: Document, options: RunOptions): Promise<AxeResults> };
  }
}

/** WCAG 2.2 A and AA, and axe's best practices (one top-level heading among them). */
const RUN_OPTIONS: RunOptions = {
  runOnly: {
    type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
  },
  resultTypes: ['violations'],
};

export interface AxeViolation {
  rule: string;
  help: string;
  /** One entry per failing element: its selector and, for contrast, what was measured. */
  nodes: string[];
}

/** The violations on the page as it is now; an empty list when it passes. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => window.axe !== undefined))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (options) => {
    const axe = window.axe;
    if (axe === undefined) throw new Error('axe-core did not load');
    const results = await axe.run(document, options);
    return results.violations.map((violation) => ({
      rule: violation.id,
      help: violation.help,
      nodes: violation.nodes.map((node) =>
        `${node.target.join(' ')}: ${node.failureSummary ?? ''}`.replace(/\s+/gu, ' '),
      ),
    }));
  }, RUN_OPTIONS);
}
