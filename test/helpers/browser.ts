import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the Chromium that test/global-setup-browser.ts found or installed. */
    chromiumPath?: string;
  }
}

/** Debian's Chromium, the browser the page tests drive (playwright-core brings no browser of its own). */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        timeout: 10 * 60_000,
        maxBuffer: 32 << 20,
      },
      (error, _stdout, stderr) =>
        error
          ? reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim().split('\n').pop()}`))
          : resolve(),
    );
  });
}

/**
 * A Chromium for the page tests: KEYWATCH_TEST_CHROMIUM when set, else Debian's `chromium` (installed
 * with apt-get when missing, which needs root). Fails with a clear message when neither works: the
 * browser tests are never skipped silently.
 */
export async function ensureChromium(): Promise<string> {
  const configured = process.env.KEYWATCH_TEST_CHROMIUM;
  if (configured) {
    if (!executable(configured)) throw new Error(`KEYWATCH_TEST_CHROMIUM=${configured} is not an executable`);
    return configured;
  }
  if (executable(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  try {
    try {
      await run('apt-get', ['install', '-y', '-q', 'chromium']);
    } catch {
      // A fresh machine may not have the package lists yet.
      await run('apt-get', ['update', '-q']);
      await run('apt-get', ['install', '-y', '-q', 'chromium']);
    }
  } catch (error) {
    throw new Error(
      `Chromium for the browser tests is not available: ${(error as Error).message}\n` +
        'Set KEYWATCH_TEST_CHROMIUM to a Chromium or Chrome executable, or run the tests as root on Debian ' +
        '(they install the chromium package).',
    );
  }
  if (!executable(DEBIAN_CHROMIUM))
    throw new Error(`apt-get installed chromium but ${DEBIAN_CHROMIUM} is missing`);
  return DEBIAN_CHROMIUM;
}

/** The Chromium the global setup provided, or (when this file runs without it) ensureChromium() here. */
export async function chromiumForTests(): Promise<string> {
  return inject('chromiumPath') ?? ensureChromium();
}

/**
 * Launch flags for a headless Chromium on a machine without internet: no sandbox (tests may run as
 * root), and none of the background connections Chromium makes at start (refused here, noisily).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
];
