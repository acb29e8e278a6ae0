// A login the harness gave up on must never reach a later case: given an IdP that holds a sign-in past the
// step deadline, the harness reports a harness fault for it (never a photo server answer), and the next case,
// with other OAuth settings, gets the photo server's own answer to its own login.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../browser/launch.js';
import { createCa, type Ca } from '../ca/ca.js';
import type { Cell } from '../model.js';
import { StackClient } from '../stack/client.js';
import { startEmbeddedStack } from '../stack/embedded.js';
import type { Stack } from '../stack/types.js';
import { HarnessFault } from './faults.js';

const cell: Cell = {
  id: 'immich-v3.1.0__authelia-4.39.0__post__embedded',
  backend: 'embedded',
  immich: 'v3.1.0',
  idp: { product: 'authelia', version: '4.39.0', variant: 'post', settings: { tokenEndpointAuthMethod: 'client_secret_post' } },
};

let dir: string;
let ca: Ca;
let stack: Stack;
let browser: Browser;
let client: StackClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idp-harness-isolation-'));
  ca = createCa(join(dir, 'ca'));
  stack = await startEmbeddedStack(cell, ca, []);
  browser = await launchBrowser({ spkiHashes: ca.spkiHashes() });
  client = new StackClient(stack.info, browser);
});
afterAll(async () => {
  await client?.close();
  await browser?.close();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves once the IdP's log has `line`, polling its log (the explicit signal), up to `ms`. */
async function idpLogged(line: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!stack.logs().idp!.includes(line)) {
    if (Date.now() > until) throw new Error(`the IdP never logged "${line}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a login that timed out', () => {
  it('is a harness fault naming its step, and the next case gets its own answer from the photo server', async () => {
    // given: the IdP holds every sign-in for 6 s, and the harness's step deadline is 1.5 s (scale 0.05)
    await client.useOAuth({ autoRegister: true });
    const first = await client.createUser();
    await client.idp.holdSignIns!(6_000, 2);
    process.env.IDP_HARNESS_TIMEOUT_SCALE = '0.05';
    let fault: unknown;
    try {
      await client.login('web', first);
    } catch (err) {
      fault = err;
    } finally {
      delete process.env.IDP_HARNESS_TIMEOUT_SCALE;
    }
    // then: a harness fault at the IdP step, retried once from a clean browser, never a photo server answer
    expect(fault).toBeInstanceOf(HarnessFault);
    const info = (fault as HarnessFault).info;
    expect(info.kind).toBe('timeout');
    expect(info.step).toBe("web: complete the IdP's pages");
    expect((fault as HarnessFault).retries).toHaveLength(1);

    // when: the next case moves the OAuth settings on (a new client, auto-register off) and logs in another user
    await client.useOAuth({ autoRegister: false });
    const second = await client.createUser();
    const result = await client.login('web', second);
    // then: its verdict is the photo server's answer to its own login
    expect(result).toMatchObject({ flow: 'web', status: 400, message: 'OAuth authentication failed' });
    expect(result.retries).toBeUndefined();

    // and when the held sign-ins are finally answered, nothing of them reaches the photo server
    await idpLogged('held sign-in released', 15_000);
    const released = stack.logs().idp!.split('\n').filter((l) => l.includes('held sign-in released')).length;
    expect(released).toBeGreaterThanOrEqual(1);
    expect(await client.userByEmail(first.profile.email!)).toBeUndefined();
    expect(stack.logs().photos).not.toMatch(/invalid_grant|client mismatch/);
  });
});
