import type { TestProject } from 'vitest/node';
import { ensureChromium } from './helpers/browser.js';

/**
 * Vitest global setup: a Chromium for the tests of the pages Keywatch serves (the API docs at
 * /docs), found or installed once per run; tests receive its path through `inject('chromiumPath')`.
 */
export async function setup(project: TestProject): Promise<void> {
  project.provide('chromiumPath', await ensureChromium());
}
