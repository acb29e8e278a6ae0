// Benchmark (a script, not a test): prints
//   1. wall time of the whole embedded run (`idp-harness run --backend embedded`),
//   2. median of 10 mobile-redirect logins and of 10 browser logins on one embedded stack,
//   3. in the same run, the median of a bare oidc-provider + openid-client code flow on loopback (the floor),
//   4. and the browser floor: a bare Chromium walk of two plain form pages on loopback, in a fresh context each
//      time as every login has (no IdP, no photo server: what the browser alone costs).
// Targets: whole run ≤ 60 s on 2 cores with every case judged; web and mobile login medians ≤ 2× the browser floor.
//   npm run bench -- [--idp keycloak-26.7.3] [--stack embedded|docker|docker-local] [--logins-only]
// (--idp picks the IdP of the login medians, default authentik 2025.10.4; --stack docker measures them on the
// real products, docker-local on the docker path with the local images — for Keycloak a real Keycloak — and
// both print the stack's ready time.)
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as client from 'openid-client';
import { request } from 'undici';
import { createCa } from '../harness/ca/ca.js';
import { caAgent, caFetch } from '../harness/ca/dispatcher.js';
import { launchBrowser } from '../harness/browser/launch.js';
import { startEmbeddedIdp } from '../harness/embedded/idp/index.js';
import type { Cell } from '../harness/model.js';
import { makeRunDir, removeDir } from '../harness/run-dir.js';
import { StackClient } from '../harness/stack/client.js';
import { startEmbeddedStack } from '../harness/stack/embedded.js';
import { ROOT } from '../harness/runner/run.js';

const N = 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

/** The floor: authorize → login form → code → token, by HTTP alone (no browser), openid-client 6 as the RP. */
async function bareCodeFlow(dir: string): Promise<number[]> {
  const ca = createCa(join(dir, 'floor-ca'));
  const idp = await startEmbeddedIdp({ product: 'oidc-provider', version: 'plain', settings: {}, tls: ca.issue(['auth.harness.test']) });
  const agent = caAgent(ca.certPem);
  try {
    const redirectUri = 'https://rp.harness.test/cb';
    const registered = await idp.control.createClient({ redirectUris: [redirectUri], tokenEndpointAuthMethod: 'client_secret_post' });
    const times: number[] = [];
    for (let i = 0; i <= N; i++) {
      const user = await idp.control.createUser({ username: `floor${i}`, name: 'Floor', email: `floor${i}@example.test` });
      const [ms] = await timed(async () => {
        const config = await client.discovery(new URL(registered.issuer), registered.clientId, registered.clientSecret, client.ClientSecretPost(registered.clientSecret), {
          [client.customFetch]: caFetch(ca.certPem) as unknown as client.CustomFetch,
        });
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const url = client.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid email profile',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
        });
        const callback = await followLogin(url.href, user, agent);
        await client.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: state });
      });
      if (i > 0) times.push(ms); // the first run warms caches
    }
    return times;
  } finally {
    await idp.close();
    await agent.close();
  }
}

/** Follows redirects with a cookie jar and submits the login form (and consent, if any) like a minimal user agent. */
async function followLogin(start: string, user: { username: string; password: string }, agent: ReturnType<typeof caAgent>): Promise<string> {
  const jar = new Map<string, string>();
  let url = start;
  let body: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith('https://rp.harness.test/')) return url;
    const res = await request(url, {
      method: body ? 'POST' : 'GET',
      dispatcher: agent,
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      jar.set(k!.trim(), v ?? '');
    }
    body = undefined;
    if (res.statusCode >= 300 && res.statusCode < 400) {
      await res.body.dump();
      url = new URL(String(res.headers.location), url).href;
      continue;
    }
    const html = await res.body.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    if (!action) throw new Error(`floor: no form at ${url} (${res.statusCode})`);
    url = new URL(action, url).href;
    body = html.includes('name="password"')
      ? new URLSearchParams({ username: user.username, password: user.password }).toString()
      : 'decision=accept';
  }
  throw new Error('floor: too many redirects');
}

/** The browser floor: two form pages and a landing page on loopback over the run CA's TLS, in a new context each time. */
async function browserFloor(dir: string): Promise<number[]> {
  const ca = createCa(join(dir, 'browser-floor-ca'));
  const leaf = ca.issue(['forms.harness.test']);
  const form = (next: string, field: string) =>
    `<!doctype html><title>${field}</title><form method="post" action="${next}"><input id="${field}" name="${field}"><button id="go">Go</button></form>`;
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/one') res.writeHead(200, { 'content-type': 'text/html' }).end(form('/two', 'username'));
      else if (req.url === '/two') res.writeHead(200, { 'content-type': 'text/html' }).end(form('/done', 'password'));
      else if (req.url === '/done') res.writeHead(303, { location: '/landed' }).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>landed</title><p>landed</p>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://forms.harness.test:${(server.address() as AddressInfo).port}`;
  const browser = await launchBrowser({ spkiHashes: ca.spkiHashes() });
  try {
    const times: number[] = [];
    for (let i = 0; i <= N; i++) {
      const [ms] = await timed(async () => {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${origin}/one`);
        await page.locator('#username').fill('floor');
        await Promise.all([page.waitForURL(`${origin}/two`), page.locator('#go').click()]);
        await page.locator('#password').fill('floor');
        await Promise.all([page.waitForURL(`${origin}/landed`), page.locator('#go').click()]);
        await context.close();
      });
      if (i > 0) times.push(ms);
    }
    return times;
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

async function loginMedians(dir: string): Promise<{ mobile: number[]; web: number[]; readyMs: number }> {
  const ca = createCa(join(dir, 'ca'));
  const [product, version] = (arg('--idp') ?? 'authentik-2025.10.4').split(/-(?=\d)/) as [string, string];
  const local = arg('--stack') === 'docker-local';
  const docker = local || arg('--stack') === 'docker';
  const cell: Cell = {
    id: `bench-${product}-${version}`,
    backend: docker ? 'docker' : 'embedded',
    ...(local ? { images: 'local' as const } : {}),
    immich: 'v3.1.0',
    idp: { product, version, variant: 'bench', settings: product === 'authentik' ? { signingKey: true } : { tokenEndpointAuthMethod: 'client_secret_post' } },
  };
  const started = performance.now();
  const stack = docker ? await (await import('../harness/stack/docker.js')).startDockerStack(cell, ca, [], dir) : await startEmbeddedStack(cell, ca, []);
  const readyMs = performance.now() - started;
  const browser = await launchBrowser({ spkiHashes: ca.spkiHashes() });
  try {
    const s = new StackClient(stack.info, browser);
    await s.useOAuth({ autoRegister: true });
    const run = async (flow: 'web' | 'mobile') => {
      const times: number[] = [];
      for (let i = 0; i <= N; i++) {
        const user = await s.createUser();
        const [ms, result] = await timed(() => s.login(flow, user));
        if (result.status !== 201) throw new Error(`${flow} login answered ${result.status} ${result.message}`);
        if (i > 0) times.push(ms);
      }
      return times;
    };
    return { mobile: await run('mobile'), web: await run('web'), readyMs };
  } finally {
    await browser.close();
    await stack.stop();
  }
}

const dir = makeRunDir('idp-harness-bench-');
try {
  const floor = await bareCodeFlow(dir);
  const browserOnly = await browserFloor(dir);
  const { mobile, web, readyMs } = await loginMedians(dir);
  console.log(`login stack: ${arg('--idp') ?? 'authentik-2025.10.4'} on ${arg('--stack') ?? 'embedded'}, ready in ${fmt(readyMs)}`);
  const vsBrowser = (xs: number[]) => `${(median(xs) / median(browserOnly)).toFixed(1)}× browser floor (target ≤ 2×)`;
  const rows = [
    ['bare code flow (floor), median of 10', fmt(median(floor)), 'HTTP only, no browser'],
    ['browser floor, median of 10', fmt(median(browserOnly)), 'Chromium: new context, two form pages'],
    ['mobile-redirect login, median of 10', fmt(median(mobile)), `${vsBrowser(mobile)}; ${(median(mobile) / median(floor)).toFixed(1)}× code-flow floor`],
    ['web login, median of 10', fmt(median(web)), vsBrowser(web)],
  ];
  if (!process.argv.includes('--logins-only')) rows.push(wholeRun(dir));
  for (const [name, value, note] of rows) console.log(`${name!.padEnd(40)} ${value!.padStart(9)}  ${note}`);
} finally {
  removeDir(dir);
}

/** The main job as users run it, in a child process, timed from outside. */
function wholeRun(dir: string): string[] {
  const t = performance.now();
  const run = spawnSync(process.execPath, ['bin/idp-harness.mjs', 'run', '--backend', 'embedded', '--out', join(dir, 'reports')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const wall = performance.now() - t;
  const lines = run.stdout.trim().split('\n');
  const summary = lines.filter((l) => /passed, \d+ failed/.test(l)).pop() ?? '';
  // Cells that could not start say why (the run prints one line each).
  const notRun = lines.filter((l) => /^\s+not run: /.test(l)).map((l) => `\n${' '.repeat(52)}${l.trim()}`);
  return ['whole embedded run', fmt(wall), `target ≤ 60000 ms; exit ${run.status}; ${summary}${notRun.join('')}`];
}
