// The docker backend for real: the local image, two `local` stacks (reference model + embedded provider
// profile in containers), their network, names, CA trust, same-port URLs, logs and cleanup.
// In CI an unreachable engine fails these tests; elsewhere they are skipped with the reason.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GenericContainer, Wait } from 'testcontainers';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReferencePhotosContainer } from '../../products/reference-photos/container.js';
import { ensureLocalImage, LOCAL_IMAGE_REPO } from '../../containers/local-image.js';
import { createCa, type Ca } from '../ca/ca.js';
import { caAgent } from '../ca/dispatcher.js';
import { dockerAvailable, engineRequest, listLabelled, RUN_LABEL, waitForEvent } from '../docker/engine.js';
import { controlFor } from '../idp/connect.js';
import { ImmichApi } from '../../products/immich/api.js';
import type { Cell } from '../model.js';
import { makeRunDir, removeDir } from '../run-dir.js';
import { PHOTOS_HOST, AUTH_HOST, ImageUnavailable, startDockerStack, upstreamImagesFor } from './docker.js';
import type { Stack } from './types.js';

const engine = await dockerAvailable();
if (!engine.ok && !process.env.CI) process.stderr.write(`docker backend tests skipped: ${engine.reason}\n`);

describe.runIf(!engine.ok && process.env.CI)('the docker backend in CI', () => {
  it('requires a reachable Docker engine', () => {
    expect.fail(`CI must provide Docker for the docker backend: ${engine.ok ? '' : engine.reason}`);
  });
});

const localCell = (immich: string, product: 'authentik' | 'authelia', version: string): Cell => ({
  id: `${immich}-${product}-${version}-local`,
  backend: 'docker',
  images: 'local',
  immich,
  idp: { product, version, variant: 'default', settings: {} },
});

interface Inspect {
  Name: string;
  Config: { Env: string[]; Labels: Record<string, string> };
  HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]> };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
}

async function inspectByName(name: string): Promise<Inspect> {
  const r = await engineRequest('GET', `/containers/${encodeURIComponent(name)}/json`);
  expect(r.status, `inspect ${name}`).toBe(200);
  return JSON.parse(r.body) as Inspect;
}

/** Both containers of a stack, by the label it put on them. */
async function stackContainers(stackLabel: string): Promise<Inspect[]> {
  const filter = encodeURIComponent(JSON.stringify({ label: [`idp-harness.stack=${stackLabel}`] }));
  const list = JSON.parse((await engineRequest('GET', `/containers/json?filters=${filter}`)).body) as { Id: string }[];
  return Promise.all(list.map((c) => inspectByName(c.Id)));
}

describe.runIf(engine.ok)('the docker backend with the local image', () => {
  const runDir = makeRunDir();
  const runId = runDir.split('/').pop()!;
  let ca: Ca;
  const cells = [localCell('v3.1.0', 'authentik', '2025.10.4'), localCell('v1.113.0', 'authelia', '4.38.9')];
  const stacks: Stack[] = [];

  beforeAll(async () => {
    ca = createCa(join(runDir, 'ca'));
    const image = await ensureLocalImage();
    process.stderr.write(`local image ${image.name}: ${(image.sizeBytes / 1e6).toFixed(0)} MB${image.built ? `, built in ${image.buildMs} ms` : ' (cached)'}\n`);
    stacks.push(...(await Promise.all(cells.map((cell) => startDockerStack(cell, ca, ['smoke'], runDir)))));
    for (const s of stacks) process.stderr.write(`${s.info.cell.id}: ready in ${s.info.readyMs} ms\n${s.logs().stack}\n`);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(stacks.map((s) => s.stop()));
    removeDir(runDir);
  });

  it('builds the local image once and finds it by its content tag afterwards', async () => {
    const first = await ensureLocalImage();
    const again = await ensureLocalImage();
    expect(first.name).toMatch(new RegExp(`^${LOCAL_IMAGE_REPO}:[0-9a-f]{12}$`));
    expect(again).toEqual(first);
    expect(first.sizeBytes).toBeGreaterThan(50e6);
    expect(first.sizeBytes).toBeLessThan(300e6);
    // The host's node runs in it, as an unprivileged user.
    const out = await new GenericContainer(first.name)
      .withCommand(['-e', 'process.stdout.write(JSON.stringify({v: process.version, uid: process.getuid()}))'])
      .withLabels({ [RUN_LABEL]: runId })
      .withWaitStrategy(Wait.forOneShotStartup())
      .start();
    const text = await new Promise<string>((resolve) => {
      let s = '';
      out.logs().then((stream) => stream.on('data', (c) => (s += c)).on('end', () => resolve(s)));
    });
    await out.stop();
    expect(JSON.parse(text)).toEqual({ v: process.version, uid: 1000 });
  });

  it('returns a complete StackInfo naming the local image in its provenance', () => {
    for (const s of stacks) {
      const { info } = s;
      expect(info.provenance.photos).toMatch(new RegExp(`^reference model of Immich ${info.cell.immich} \\(local image ${LOCAL_IMAGE_REPO}:`));
      expect(info.provenance.idp).toMatch(/^embedded oidc-provider, (authentik|authelia) [\d.]+ profile \(default\) \(local image /);
      expect(info.photos.url).toMatch(/^https:\/\/photos\.harness\.test:\d+$/);
      expect(info.idp.origin).toMatch(/^https:\/\/auth\.harness\.test:\d+$/);
      expect(info.idp.control).toMatchObject({ kind: 'http', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
      expect(info.photos.admin.token).not.toBe('');
      expect(info.caPem).toBe(ca.certPem);
      expect(info.readyMs).toBeGreaterThan(0);
    }
  });

  it('puts each stack on its own labelled network with the test host names as aliases', async () => {
    const networks = new Set<string>();
    for (const s of stacks) {
      const stackLabel = `${runId}-${s.info.cell.id}`;
      const containers = await stackContainers(stackLabel);
      expect(containers.map((c) => c.Name.replace(/^\/.*-/, '')).sort()).toEqual(['idp', 'photos']);
      const [network] = Object.keys(containers[0]!.NetworkSettings.Networks).filter((n) => n !== 'bridge');
      networks.add(network!);
      const aliases = containers.flatMap((c) => c.NetworkSettings.Networks[network!]?.Aliases ?? []);
      expect(aliases).toEqual(expect.arrayContaining([AUTH_HOST, PHOTOS_HOST]));
      const net = JSON.parse((await engineRequest('GET', `/networks/${network}`)).body) as { Labels: Record<string, string> };
      expect(net.Labels[RUN_LABEL]).toBe(runId);
    }
    expect(networks.size).toBe(2);
  });

  it('serves the IdP on the same port inside the container and on the host', async () => {
    for (const s of stacks) {
      const port = new URL(s.info.idp.origin).port;
      const [idp] = (await stackContainers(`${runId}-${s.info.cell.id}`)).filter((c) => c.Name.endsWith('-idp'));
      expect(idp!.HostConfig.PortBindings[`${port}/tcp`]).toEqual([{ HostIp: '127.0.0.1', HostPort: port }]);
      // From the host, by the public name, trusting only the run CA.
      const dispatcher = caAgent(ca.certPem);
      const issuer = s.info.cell.idp.product === 'authentik' ? `${s.info.idp.origin}/application/o/immich/` : s.info.idp.origin;
      const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { dispatcher });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { issuer: string }).issuer).toBe(issuer);
      await dispatcher.close();
    }
  });

  it('lets the photo server discover the IdP only because the CA is trusted through NODE_EXTRA_CA_CERTS', async () => {
    for (const s of stacks) {
      const { info } = s;
      const [photos] = (await stackContainers(`${runId}-${info.cell.id}`)).filter((c) => c.Name.endsWith('-photos'));
      expect(photos!.Config.Env).toContain('NODE_EXTRA_CA_CERTS=/harness/ca.pem');
      const control = controlFor(info.idp, info.caPem);
      const client = await control.createClient({ redirectUris: [`${info.photos.url}/auth/login`] });
      const oauth = { enabled: true, issuerUrl: client.issuer, clientId: client.clientId, clientSecret: client.clientSecret };

      const agent = caAgent(ca.certPem);
      const trusting = new ImmichApi(info.photos.url, info.cell.immich, agent);
      await trusting.setOAuth(info.photos.admin.token, oauth);
      const ok = await trusting.oauthAuthorize({ redirectUri: `${info.photos.url}/auth/login` });
      expect(ok.status, ok.message).toBe(201);
      expect(ok.url).toMatch(new RegExp(`^${info.idp.origin.replace(/\./g, '\\.')}/`));
      await agent.close();

      // The same server without NODE_EXTRA_CA_CERTS, on the same network, reaching the same URL.
      const network = Object.keys(photos!.NetworkSettings.Networks).find((n) => n !== 'bridge')!;
      const bare = await new ReferencePhotosContainer((await ensureLocalImage()).name, 'photos-untrusting')
        .withModelVersion(info.cell.immich)
        .withCa(undefined)
        .withCopyContentToContainer([{ content: ca.certPem, target: '/harness/ca.pem', mode: 0o644 }])
        .withNetworkMode(network)
        .withLabels(photos!.Config.Labels)
        .start();
      try {
        const untrusting = new ImmichApi(bare.getHttpUrl(), info.cell.immich);
        await untrusting.adminSignUp({ email: 'admin@example.test', password: 'not-used-elsewhere-1', name: 'Admin' });
        const token = await untrusting.login('admin@example.test', 'not-used-elsewhere-1');
        await untrusting.setOAuth(token, oauth);
        const refused = await untrusting.oauthAuthorize({ redirectUri: `${info.photos.url}/auth/login` });
        expect(refused.status).toBe(500);
        expect(refused.message).toMatch(/discovery/i);
        // Same container, same URL, only the variable differs: Node's TLS refuses the IdP without it.
        const port = new URL(info.idp.origin).port;
        const probe = `require('tls').connect({ host: '${AUTH_HOST}', port: ${port}, servername: '${AUTH_HOST}' })` +
          `.on('secureConnect', function () { console.log('trusted'); this.end(); }).on('error', (e) => console.log(e.code))`;
        const without = await bare.exec(['/usr/local/bin/node', '-e', probe]);
        const withCa = await bare.exec(['/usr/local/bin/node', '-e', probe], { env: { NODE_EXTRA_CA_CERTS: '/harness/ca.pem' } });
        expect(without.output.trim()).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
        expect(withCa.output.trim()).toBe('trusted');
      } finally {
        await bare.stop();
      }
    }
  });

  it('keeps every container log and starts the photo server while the IdP is still starting', () => {
    for (const s of stacks) {
      const logs = s.logs();
      expect(logs.idp).toMatch(/^\{"ready":true/m);
      expect(logs.photos).toMatch(/reference model of Immich/);
      const lines = logs.stack!.split('\n');
      const readyFirst = Math.min(lines.findIndex((l) => l === 'idp ready' || l.startsWith('idp ready')), lines.findIndex((l) => l.startsWith('photos ready')));
      expect(lines.findIndex((l) => l === 'idp starting')).toBeLessThan(readyFirst);
      expect(lines.findIndex((l) => l === 'photos starting')).toBeLessThan(readyFirst);
    }
  });

  it('names the container and its last log lines when it never becomes ready', async () => {
    // No embedded profile models Authelia 4.0: the provider exits at start with a message saying so.
    const cell: Cell = { ...localCell('v3.1.0', 'authelia', '4.0.0'), id: 'never-ready' };
    const err = await startDockerStack(cell, ca, [], runDir).then(
      async (stack) => {
        await stack.stop();
        return undefined;
      },
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    if (!err) return;
    expect(err.message).toMatch(/^container idp \(never-ready\) did not become ready: /);
    expect(err.message).toMatch(/last log lines of idp:\n[^]*embedded IdP failed to start/);
    expect(await listLabelled({ 'idp-harness.stack': `${runId}-never-ready` })).toEqual({ containers: [], networks: [] });
  });

  it('removes everything it labelled when the stacks stop', async () => {
    expect((await listLabelled({ [RUN_LABEL]: runId })).containers.length).toBeGreaterThanOrEqual(4);
    await Promise.all(stacks.map((s) => s.stop()));
    expect(await listLabelled({ [RUN_LABEL]: runId })).toEqual({ containers: [], networks: [] });
  });
});

describe.runIf(engine.ok)('the docker backend with upstream images', () => {
  const cell: Cell = { id: 'upstream', backend: 'docker', immich: 'v1.113.0', idp: { product: 'authelia', version: '4.38.9', variant: 'default', settings: {} } };

  it('fails fast with "image … unavailable (…)" when an image cannot be had', async () => {
    // Names no registry can have (.invalid is reserved): the test does not depend on what this machine holds.
    process.env.IDP_HARNESS_IMAGE_MAP = upstreamImagesFor(cell).map((i) => `${i}=idp-harness.invalid/never:0`).join(',');
    const runDir = makeRunDir();
    const t0 = Date.now();
    try {
      const err = (await startDockerStack(cell, createCa(join(runDir, 'ca')), [], runDir).catch((e: Error) => e)) as Error;
      expect(err.message).toMatch(/^image idp-harness\.invalid\/never:0 unavailable \(.+\)$/s);
      expect(err.message).not.toMatch(/unavailable \(image /);
      expect(err).toBeInstanceOf(ImageUnavailable); // the runner tells "not run" from "broken" by this, not by the text
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect(await listLabelled({ [RUN_LABEL]: runDir.split('/').pop()! })).toEqual({ containers: [], networks: [] });
    } finally {
      delete process.env.IDP_HARNESS_IMAGE_MAP;
      removeDir(runDir);
    }
  });
});

describe.runIf(engine.ok)('the docker backend on Ctrl-C', () => {
  it('leaves nothing behind when Ctrl-C arrives while a stack is starting', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../docker/stack-child.ts', import.meta.url)), JSON.stringify(localCell('v3.1.0', 'authelia', '4.39.0'))],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const since = Math.floor(Date.now() / 1000) - 1;
    const firstLine = await new Promise<string>((resolve) => child.stdout.once('data', (c: Buffer) => resolve(c.toString().split('\n')[0]!)));
    const { runId } = JSON.parse(firstLine) as { runId: string };
    // Interrupt as soon as the first container of the run exists, long before the stack is ready.
    await waitForEvent({ type: ['container'], event: ['create'], label: [`${RUN_LABEL}=${runId}`] }, { sinceSeconds: since, timeoutMs: 60_000 });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(await listLabelled({ [RUN_LABEL]: runId })).toEqual({ containers: [], networks: [] });
  }, 90_000);
});
