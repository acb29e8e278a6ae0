import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectIdpControl, httpIdpControl } from '../../../idp/control.js';
import type { EmbeddedIdp } from '../index.js';
import { login, REDIRECT, relyingParty, startIdp, testCa, unique, type TestCa } from './helpers.js';

let t: TestCa;
let idp: EmbeddedIdp;
beforeAll(async () => {
  t = testCa();
  idp = await startIdp(t.ca, 'authentik', '2025.4.4');
});
afterAll(async () => {
  await idp?.close();
  t?.dispose();
});

describe('the HTTP control API', () => {
  it('creates users and clients that a relying party then signs in with', async () => {
    const control = httpIdpControl(idp.controlUrl, idp.controlToken);
    const client = await control.createClient({ redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'client_secret_post' });
    expect(control.capabilities).toEqual({ customClaimsScope: 'immich', preferredUsername: 'is-username', forges: true, publicClients: true });
    expect(client).toMatchObject({ issuer: idp.issuer, tokenEndpointAuthMethod: 'client_secret_post', idTokenAlg: 'RS256' });
    expect(client.clientSecret).toMatch(/^[A-Za-z0-9]{32,}$/);
    const user = await control.createUser({ username: unique('http'), email: 'http@example.test' });
    expect(user.password).toMatch(/^[A-Za-z0-9]{16,}$/);
    await control.updateUser(user.username, { email: 'changed@example.test', claims: { immich_role: 'user' } });
    const { claims } = await login(t.ca, await relyingParty(t.ca, client), user, 'openid email immich');
    expect(claims).toMatchObject({ email: 'changed@example.test', immich_role: 'user' });
  });

  it('refuses a request without the right Bearer token', async () => {
    const wrong = httpIdpControl(idp.controlUrl, 'not-the-token');
    await expect(wrong.createUser({ username: unique('x') })).rejects.toThrow(/401.*Bearer token/);
    const res = await fetch(`${idp.controlUrl}/v1/capabilities`);
    expect(res.status).toBe(401);
  });

  it('answers 400 with the reason for a duplicate user, an undeclared claim or a bad redirect URI', async () => {
    const control = await connectIdpControl(idp.controlUrl, idp.controlToken);
    const name = unique('dup');
    await control.createUser({ username: name });
    await expect(control.createUser({ username: name })).rejects.toThrow(/400: user ".*" already exists/);
    await expect(control.createUser({ username: unique('c'), claims: { shoe_size: 44 } })).rejects.toThrow(/400: custom claims shoe_size are not declared/);
    await expect(control.updateUser('nobody-here', { name: 'x' })).rejects.toThrow(/400: no user "nobody-here"/);
    await expect(control.createClient({ redirectUris: ['not a uri'] })).rejects.toThrow(/400: redirect URI "not a uri" is not an absolute URI/);
  });
});

describe('the provider as a process (main.ts)', () => {
  it('prints a ready line, serves discovery over TLS and the control API, and exits on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idp-main-'));
    const leaf = t.ca.issue(['auth.harness.test']);
    const tokenFile = join(dir, 'control-token');
    writeFileSync(join(dir, 'cert.pem'), leaf.certPem);
    writeFileSync(join(dir, 'key.pem'), leaf.keyPem, { mode: 0o600 });
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'main.ts')], {
      env: {
        ...process.env,
        IDP_PRODUCT: 'authelia',
        IDP_VERSION: '4.39.0',
        IDP_SETTINGS: '{"tokenEndpointAuthMethod":"client_secret_post"}',
        TLS_CERT_FILE: join(dir, 'cert.pem'),
        TLS_KEY_FILE: join(dir, 'key.pem'),
        PORT: '0',
        CONTROL_PORT: '0',
        CONTROL_TOKEN_FILE: tokenFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`main.ts exited with ${code}`)));
      });
      const ready = JSON.parse(line) as { ready: boolean; issuer: string; port: number; controlPort: number; capabilities: unknown };
      expect(ready).toMatchObject({ ready: true, issuer: `https://auth.harness.test:${ready.port}`, capabilities: { customClaimsScope: 'immich' } });
      expect(line).not.toContain(readFileSync(tokenFile, 'utf8'));
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      const control = await connectIdpControl(`http://127.0.0.1:${ready.controlPort}`, readFileSync(tokenFile, 'utf8'));
      const client = await control.createClient({ redirectUris: [REDIRECT] });
      expect(client.tokenEndpointAuthMethod).toBe('client_secret_post');
      expect((await relyingParty(t.ca, client)).serverMetadata().issuer).toBe(ready.issuer);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
