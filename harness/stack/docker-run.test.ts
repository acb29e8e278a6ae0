// The main job through the docker backend, for real: containers from the locally built image (the reference
// model and the embedded provider), a network per stack, aliases, the CA mounted and trusted, the TLS front,
// published ports — and browser and mobile logins through them. Upstream cells, whose images cannot be had
// here, must be reported as not run with the reason, never passed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable, engineRequest, RUN_LABEL } from '../docker/engine.js';
import type { RunReport } from '../model.js';
import { ROOT } from '../runner/run.js';

const work = mkdtempSync(join(tmpdir(), 'idp-harness-docker-run-'));
let docker: Awaited<ReturnType<typeof dockerAvailable>>;

beforeAll(async () => {
  docker = await dockerAvailable();
  if (!docker.ok && !process.env.CI) console.warn(`skipping the docker main-job tests: ${docker.reason}`);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every container and network carrying the harness's run label, whatever the run. */
async function anythingOfTheHarness(): Promise<{ containers: string[]; networks: string[] }> {
  const filter = encodeURIComponent(JSON.stringify({ label: [RUN_LABEL] }));
  const cs = await engineRequest('GET', `/containers/json?all=true&filters=${filter}`);
  const ns = await engineRequest('GET', `/networks?filters=${filter}`);
  return {
    containers: (JSON.parse(cs.body) as { Names: string[] }[]).map((c) => c.Names.join(',')),
    networks: (JSON.parse(ns.body) as { Name: string }[]).map((n) => n.Name),
  };
}

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/idp-harness.mjs', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('idp-harness run --backend docker', () => {
  it('runs the web, mobile and mobile-override logins of auto-register through containers from the local image and leaves nothing behind', async (ctx) => {
    if (!docker.ok) {
      if (process.env.CI) throw new Error(`CI needs a Docker engine for this test: ${docker.reason}`);
      ctx.skip();
    }
    const out = join(work, 'local');
    const cells = 'immich-v3.1.0__authentik-2025.10.4__signing-key__docker,immich-v1.132.3__authelia-4.39.0__post__docker';
    const r = await cli(['run', '--backend', 'docker', '--images', 'local', '--cell', cells, '--scenario', 'auto-register', '--out', out]);
    expect(r.out).toMatch(/2 passed, 0 failed, 0 not run \(2 cells, docker backend\)/);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
    expect(report.backend).toBe('docker');
    for (const cell of report.cells) {
      expect(cell.cell.images).toBe('local');
      expect(cell.provenance.photos).toMatch(/reference model of Immich .*local image idp-harness-local:/);
      const flows = new Set(cell.results[0]!.cases.map((c) => c.flow));
      expect(flows).toEqual(new Set(['web', 'mobile', 'mobile-override']));
      expect(cell.results[0]!.cases.every((c) => c.pass)).toBe(true);
    }
    expect(await anythingOfTheHarness()).toEqual({ containers: [], networks: [] });
  });

  it('reports upstream cells whose images cannot be had as not run, with the image and the reason', async (ctx) => {
    if (!docker.ok) {
      if (process.env.CI) throw new Error(`CI needs a Docker engine for this test: ${docker.reason}`);
      ctx.skip();
    }
    const out = join(work, 'upstream');
    const r = await cli(['run', '--backend', 'docker', '--cell', 'immich-v3.1.0__authelia-4.39.20__post__docker', '--out', out]);
    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
    const [cell] = report.cells;
    expect(cell!.status).toBe('not-run');
    expect(cell!.reason).toMatch(/^image \S+:\S+ unavailable \(.+\)/);
    expect(cell!.results.every((s) => s.status === 'not-run')).toBe(true);
    expect(r.out).toMatch(/not run: immich-v3\.1\.0__authelia-4\.39\.20__post__docker: image /);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/not run: image/);
  });
});
