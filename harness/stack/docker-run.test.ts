// The main job through the docker backend, for real: containers from the locally built image (the reference
// model and the embedded provider), a network per stack, aliases, the CA mounted and trusted, the TLS front,
// published ports — and browser and mobile logins through them. Upstream cells, whose images cannot be had
// here, must be reported as not run with the reason, never passed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineRequest } from '../docker/engine.js';
import type { RunReport } from '../model.js';
import { anythingOfTheHarness, dockerGate, runCli } from '../runner/test-cli.js';
import { ensureImage, imagesFor } from '../../containers/images.js';
import { imageOrigin, requireImages } from './docker.js';
import { Readable } from 'node:stream';

/** An image of nothing (an empty tar archive, two zero blocks) under a name of the test's own; returns the name. */
async function importEmptyImage(repo: string, tag: string): Promise<string> {
  const r = await engineRequest('POST', `/images/create?fromSrc=-&repo=${encodeURIComponent(repo)}&tag=${tag}`, {
    body: Readable.from(Buffer.alloc(1024)),
    contentType: 'application/x-tar',
  });
  if (r.status !== 200) throw new Error(`importing ${repo}:${tag} failed (${r.status}): ${r.body}`);
  return `${repo}:${tag}`;
}

const work = mkdtempSync(join(tmpdir(), 'idp-harness-docker-run-'));

const needsDocker = dockerGate('the docker main-job tests');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** An image name that no registry can have (.invalid is reserved), so a test never depends on what is present. */
const NEVER = 'idp-harness.invalid/never:0';
/** Maps every image of one cell to NEVER except those in `keep`. */
function mapAllBut(keep: string[], images: string[]): string {
  return images.filter((i) => !keep.includes(i)).map((i) => `${i}=${NEVER}`).join(',');
}

const cli = runCli;

describe('idp-harness run --backend docker', () => {
  it('runs the web, mobile and mobile-override logins of auto-register through containers from the local image and leaves nothing behind', async (ctx) => {
    needsDocker(ctx);
    const out = join(work, 'local');
    const cells = 'immich-v3.1.0__authentik-2025.10.4__signing-key__docker,immich-v1.132.3__authelia-4.39.0__post__docker';
    const r = await cli(['run', '--backend', 'docker', '--images', 'local', '--cell', cells, '--scenario', 'auto-register', '--out', out]);
    expect(r.out).toMatch(/2 passed, 0 failed, 0 harness faults, 0 not run \(\d+ cases judged, 2 cells, docker backend\)/);
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
    needsDocker(ctx);
    const out = join(work, 'upstream');
    const cellId = 'immich-v3.1.0__authelia-4.39.20__post__docker';
    const env = { IDP_HARNESS_IMAGE_MAP: mapAllBut([], imagesFor({ immich: 'v3.1.0', idp: { product: 'authelia', version: '4.39.20' } })) };
    const r = await cli(['run', '--backend', 'docker', '--cell', cellId, '--out', out], env);
    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
    const [cell] = report.cells;
    expect(cell!.status).toBe('not-run');
    expect(cell!.notRunKind).toBe('image-unavailable');
    expect(cell!.reason).toMatch(/^image idp-harness\.invalid\/never:0 unavailable \(.+\)/);
    expect(cell!.results.every((s) => s.status === 'not-run')).toBe(true);
    expect(r.out).toMatch(/not run: immich-v3\.1\.0__authelia-4\.39\.20__post__docker: image /);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/not run, 1 cell: image idp-harness\.invalid\/never:0 unavailable/);
    // A registry outage is not green: the not-run cell fails the run unless a partial matrix is allowed…
    expect(r.out).toMatch(/pass --allow-not-run to accept a partial matrix/);
    expect(r.code).toBe(1);
    // …and even then, a run that judged nothing is not green.
    const allowed = await cli(['run', '--backend', 'docker', '--cell', cellId, '--allow-not-run', '--out', join(work, 'allowed')], env);
    expect(allowed.out).toMatch(/nothing was judged/);
    expect(allowed.code).toBe(1);
  });

  it('credits a locally built image under an official-looking tag as locally built, with its image ID, never as the published one', async (ctx) => {
    needsDocker(ctx);
    const name = await importEmptyImage('idp-harness-test/rebuilt', '1');
    try {
      const check = await ensureImage(name);
      expect(check).toMatchObject({ ok: true, id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
      expect(check.ok && check.digest).toBeFalsy();
      const [ref] = await requireImages([name]);
      const id = ref!.id!.replace('sha256:', '').slice(0, 12);
      expect(imageOrigin(name, [ref!])).toBe(`${name}, locally built, image ${id}`);
      expect(imageOrigin(name, [{ name, digest: `sha256:${'a'.repeat(64)}` }])).toBe(`${name}@sha256:${'a'.repeat(64)}`);
    } finally {
      await engineRequest('DELETE', `/images/${encodeURIComponent(name)}?force=true`);
    }
  });

  it('with --backend auto, picks embedded when one image of the selected cells is present and the others cannot be had, naming the first missing', async (ctx) => {
    needsDocker(ctx);
    // One image surely present: a tiny one imported here under a name of the test's own.
    const present = await importEmptyImage('idp-harness-test/present', '1');
    try {
      const images = imagesFor({ immich: 'v3.1.0', idp: { product: 'authelia', version: '4.39.0' } });
      const immich = images.find((i) => i.includes('immich-server'))!;
      const env = { IDP_HARNESS_IMAGE_MAP: [`${immich}=${present}`, mapAllBut([immich], images)].join(',') };
      const r = await cli(
        ['run', '--immich', 'v3.1.0', '--idp', 'authelia-4.39.0', '--scenario', 'email-required', '--out', join(work, 'auto')],
        env,
      );
      expect(r.out).toMatch(/backend: embedded \(Docker answers, but not every image of the selected cells can be had: idp-harness\.invalid\/never:0 is not present/);
      expect(r.out).toMatch(/1 passed, 0 failed, 0 harness faults, 0 not run \(4 cases judged, 1 cells, embedded backend\)/);
      expect(r.code).toBe(0);
    } finally {
      await engineRequest('DELETE', `/images/${encodeURIComponent(present)}?force=true`);
    }
  });
});
