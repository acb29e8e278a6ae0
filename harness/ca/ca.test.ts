import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../browser/launch.js';
import { createCa, type Ca, type Leaf } from './ca.js';
import { caAgent } from './dispatcher.js';

let dir: string;
let ca: Ca;
const servers: Server[] = [];

async function serve(leaf: Leaf, body: string): Promise<number> {
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end(body));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function tlsVerify(port: number, servername: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca: ca.certPem }, () => {
      socket.end();
      resolve('ok');
    });
    socket.on('error', (err: Error) => resolve(err.message));
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'idp-harness-ca-'));
  ca = createCa(dir);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

describe('the run CA', () => {
  it('writes its private keys readable by the owner only', () => {
    const leaf = ca.issue(['auth.harness.test']);
    expect(statSync(join(dir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(leaf.keyPath).mode & 0o777).toBe(0o600);
  });

  it('issues a leaf that the harness dispatcher trusts under its test name', async () => {
    const port = await serve(ca.issue(['auth.harness.test', 'localhost', '127.0.0.1']), 'hello');
    const res = await request(`https://auth.harness.test:${port}/`, { dispatcher: caAgent(ca.certPem) });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('hello');
  });

  it('issues a leaf for a loopback IP address that Node verifies', async () => {
    const port = await serve(ca.issue(['127.0.0.1']), 'ip');
    const res = await request(`https://127.0.0.1:${port}/`, { dispatcher: caAgent(ca.certPem) });
    expect(await res.body.text()).toBe('ip');
  });

  it('refuses, in Node TLS verification, a leaf it issued for a name outside its constraints', async () => {
    const port = await serve(ca.issue(['example.com']), 'nope');
    // The chain itself is refused because of the name constraints, not because of a host-name mismatch.
    expect(await tlsVerify(port, 'example.com')).toBe('permitted subtree violation');
    expect(await tlsVerify(await serve(ca.issue(['auth.harness.test']), 'ok'), 'auth.harness.test')).toBe('ok');
  });

  it('is not trusted by a dispatcher that does not know it', async () => {
    const port = await serve(ca.issue(['photos.harness.test']), 'x');
    const other = createCa(join(dir, 'other'));
    await expect(request(`https://photos.harness.test:${port}/`, { dispatcher: caAgent(other.certPem) })).rejects.toThrow();
  });

  it('serves a page Chromium loads without certificate errors under a mapped test name', async () => {
    const port = await serve(ca.issue(['photos.harness.test']), '<title>ok</title><p id=x>trusted</p>');
    const browser = await launchBrowser({ spkiHashes: ca.spkiHashes() });
    try {
      const page = await browser.newPage();
      const response = await page.goto(`https://photos.harness.test:${port}/`);
      expect(response?.status()).toBe(200);
      expect(await page.textContent('#x')).toBe('trusted');
    } finally {
      await browser.close();
    }
  });

  it('is refused by Chromium when the browser was not told to trust it', async () => {
    const port = await serve(ca.issue(['photos.harness.test']), 'x');
    const browser = await launchBrowser({ spkiHashes: [createCa(join(dir, 'other2')).spkiHashes()[0]!] });
    try {
      const page = await browser.newPage();
      await expect(page.goto(`https://photos.harness.test:${port}/`)).rejects.toThrow(/ERR_CERT/);
    } finally {
      await browser.close();
    }
  });
});
