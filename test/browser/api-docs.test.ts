import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, makeAlert, seedAlerts, type TestApp } from '../api/helper.js';
import { CHROMIUM_ARGS, chromiumForTests } from '../helpers/browser.js';

// The one page Keywatch serves, the API docs at /docs (Swagger UI over /openapi.json), in a real
// headless Chromium against a real listening server: it renders every group of routes without a
// script error or a failed asset, and an operator can authorise with a token and call the API from it.

let t: TestApp;
let browser: Browser;
let base: string;
const ALERT = makeAlert({ keyId: 'key-from-the-docs-page' });

beforeAll(async () => {
  t = await buildTestApp();
  await seedAlerts(t.store, [ALERT]);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: await chromiumForTests(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A page that records every script error, console error and failed request. */
async function openDocs(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400 && !new URL(response.url()).pathname.startsWith('/v1/'))
      problems.push(`${response.status()} for ${response.url()}`);
  });
  const response = await page.goto(`${base}/docs`);
  expect(response?.status()).toBe(200);
  return { page, problems };
}

function operation(page: Page, method: string, path: string) {
  return page.locator(`.opblock-${method}`).filter({ has: page.locator(`[data-path="${path}"]`) });
}

describe('the API docs page (/docs)', () => {
  it('renders every group of routes from /openapi.json, without a script error or a failed asset', async () => {
    const { page, problems } = await openDocs();
    await operation(page, 'get', '/v1/alerts').waitFor();
    const tags = await page.locator('.opblock-tag').allTextContents();
    for (const tag of ['alerts', 'keys', 'events', 'operations', 'webhooks', 'tokens'])
      expect(tags.some((text) => text.startsWith(tag))).toBe(true);
    await expect(operation(page, 'delete', '/v1/tokens/{tokenId}').count()).resolves.toBe(1);
    await expect(page.locator('.info .title').textContent()).resolves.toContain('Keywatch');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lets an operator authorise with a token and list alerts from the page', async () => {
    const { page, problems } = await openDocs();
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').first().fill(t.tokens.read);
    await dialog.locator('button.authorize').click();
    await dialog.locator('button.btn-done').click();

    const alerts = operation(page, 'get', '/v1/alerts');
    await alerts.locator('.opblock-summary').first().click();
    await alerts.locator('button.try-out__btn').click();
    await alerts.locator('button.execute').click();
    const live = alerts.locator('.live-responses-table');
    await expect(live.locator('tr.response .response-col_status').textContent()).resolves.toContain('200');
    await expect(live.locator('.microlight').first().textContent()).resolves.toContain(ALERT.id);
    expect(problems).toEqual([]);
    await page.close();
  });
});
