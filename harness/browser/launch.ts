// Debian's Chromium driven by playwright-core, trusting the run's CA and mapping the test names to loopback.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserServer, type LaunchOptions } from 'playwright-core';

export const CHROMIUM_PATH = process.env.IDP_HARNESS_CHROMIUM ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export interface BrowserTrust {
  /** base64 SPKI sha256 hashes the browser accepts (Ca.spkiHashes()). */
  spkiHashes: string[];
  /** Host rules; by default every *.harness.test name goes to 127.0.0.1 on the port the URL names. */
  hostRules?: string[];
}

export function chromiumArgs(trust: BrowserTrust): string[] {
  const rules = trust.hostRules ?? ['MAP *.harness.test 127.0.0.1'];
  return [
    ...BASE_ARGS,
    // No quotes inside the value: Chromium takes the argument as it is.
    `--host-resolver-rules=${rules.join(',')}`,
    `--ignore-certificate-errors-spki-list=${trust.spkiHashes.join(',')}`,
  ];
}

export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install Debian's package (as root: apt-get install -y chromium) ` +
        'or set IDP_HARNESS_CHROMIUM to a Chromium binary.',
    );
  }
}

/**
 * Where Playwright keeps the login traces while they are recorded: one directory per browser, removed with it
 * (left to Playwright, every traced context would leave an empty playwright-tracing-* directory in TMPDIR).
 */
function tracesDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'idp-harness-traces-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function launchBrowser(trust: BrowserTrust, opts: LaunchOptions = {}): Promise<Browser> {
  assertChromium();
  const traces = tracesDir();
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: chromiumArgs(trust), tracesDir: traces.dir, ...opts });
    browser.once('disconnected', traces.remove);
    return browser;
  } catch (err) {
    traces.remove();
    throw err;
  }
}

/** The same browser as a server other processes connect to (`chromium.connect(wsEndpoint)`). */
export async function launchBrowserServer(trust: BrowserTrust): Promise<BrowserServer> {
  assertChromium();
  const traces = tracesDir();
  try {
    const server = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args: chromiumArgs(trust), tracesDir: traces.dir });
    server.process().once('exit', traces.remove);
    return server;
  } catch (err) {
    traces.remove();
    throw err;
  }
}
