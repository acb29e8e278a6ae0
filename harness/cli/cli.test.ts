// The command line as users meet it: the main job end to end on the embedded backend, and one clear
// error with a non-zero exit for each kind of bad input.
import { spawn } from 'node:child_process';
import { COMMANDS } from './commands.js';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { launchBrowser } from '../browser/launch.js';
import type { RunReport } from '../model.js';
import { ROOT } from '../runner/run.js';

const CELL = 'immich-v3.1.0__authentik-2025.10.4__signing-key__embedded';
const work = mkdtempSync(join(tmpdir(), 'idp-harness-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/idp-harness.mjs', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, IDP_HARNESS_TMP: work },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const runDirsLeft = () => readdirSync(work).filter((d) => d.startsWith('idp-harness-run-'));

describe('idp-harness run', () => {
  it('runs the selected scenarios, writes every report and exits 0 when all verdicts are as expected', async () => {
    const out = join(work, 'ok');
    const r = await cli(['run', '--backend', 'embedded', '--cell', CELL, '--scenario', 'email-required', '--out', out]);
    expect(r.stderr + r.stdout).toMatch(/1 passed, 0 failed, 0 harness faults, 0 not run \(4 cases judged/);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining(['junit.xml', 'report.html', 'report.md', 'results.json']));
    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
    expect(report.backend).toBe('embedded');
    expect(report.cells[0]!.provenance.photos).toBe('reference model of Immich v3.1.0');
    const cases = report.cells[0]!.results[0]!.cases;
    expect(cases.map((c) => `${c.case}/${c.flow}`).sort()).toEqual(['empty/mobile', 'empty/web', 'omitted/mobile', 'omitted/web']);
    expect(cases.every((c) => c.observed.message === 'OAuth profile does not have an email address')).toBe(true);
    expect(runDirsLeft()).toEqual([]);
  });

  it('fails with the observed status and message in the report when an outcome differs from the expectation', async () => {
    const expectations = join(work, 'expectations.yaml');
    const original = readFileSync(join(ROOT, 'fixtures/expectations.yaml'), 'utf8');
    const altered = original.replace(
      /(    omitted:\n      - expect: \{ status: )400, message: OAuth profile does not have an email address/,
      '$1201',
    );
    expect(altered).not.toBe(original);
    writeFileSync(expectations, altered);
    const out = join(work, 'bad');
    const r = await cli(['run', '--backend', 'embedded', '--cell', CELL, '--scenario', 'email-required', '--expectations', expectations, '--out', out]);
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
    const result = report.cells[0]!.results[0]!;
    expect(result.status).toBe('failed');
    const wrong = result.cases.filter((c) => !c.pass);
    expect(wrong.map((c) => c.case)).toEqual(['omitted', 'omitted']);
    expect(wrong[0]!.observed).toEqual({ status: 400, message: 'OAuth profile does not have an email address' });
    expect(wrong[0]!.expected.status).toBe(201);
    // The web case's page, as the user saw it, is kept with the report.
    expect(result.artifacts?.screenshots).toEqual([expect.stringMatching(/email-required-omitted-web\.png$/)]);
    expect(existsSync(join(out, result.artifacts!.screenshots![0]!))).toBe(true);
    // So is each failing login's Playwright trace (a zip), for `playwright show-trace`.
    expect(result.artifacts?.traces).toEqual([expect.stringMatching(/email-required-omitted-web-trace\.zip$/), expect.stringMatching(/email-required-omitted-mobile-trace\.zip$/)]);
    expect(readFileSync(join(out, result.artifacts!.traces![0]!)).subarray(0, 2).toString('latin1')).toBe('PK');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('OAuth profile does not have an email address');
    expect(runDirsLeft()).toEqual([]);
  });
});

describe('idp-harness up', () => {
  it('keeps one cell running with OAuth configured and an IdP user, for a login by hand, until Ctrl-C removes it', async () => {
    const child = spawn(process.execPath, ['bin/idp-harness.mjs', 'up', '--backend', 'embedded', '--cell', CELL], {
      cwd: ROOT,
      env: { ...process.env, IDP_HARNESS_TMP: work },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (/running; press Ctrl-C/.test(out)) resolve();
      });
    });
    const loginUrl = /photos:\s+(\S+)/.exec(out)![1]!;
    const creds = readFileSync(/credentials in (\S+idp-user\.txt)/.exec(out)![1]!, 'utf8');
    const [, username, password] = /username: (\S+)\npassword: (\S+)/.exec(creds)!;
    const spkiHashes = /spki-list=([^'\s]+)/.exec(out)![1]!.split(',');
    const browser = await launchBrowser({ spkiHashes });
    try {
      const page = await browser.newPage();
      await page.goto(loginUrl);
      await page.getByRole('button', { name: 'Login with OAuth' }).click();
      await page.locator('#username').fill(username!);
      await page.locator('#password').fill(password!);
      await page.locator('#sign-in').click();
      await page.waitForURL((u) => u.pathname === '/photos');
      expect(await page.locator('#signed-in-user').textContent()).toBe('demo@example.test');
    } finally {
      await browser.close();
    }
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(runDirsLeft()).toEqual([]);
  });
});

describe('Ctrl-C', () => {
  it('stops a running job with status 130, keeps a partial report of what finished, and leaves nothing in TMPDIR', async () => {
    // Short: Chromium's profile lives below TMPDIR, and its socket paths must stay under 108 bytes.
    const tmp = mkdtempSync(join(tmpdir(), 'iht-'));
    onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
    const out = join(work, 'int');
    const child = spawn(process.execPath, ['bin/idp-harness.mjs', 'run', '--backend', 'embedded', '--cell', CELL, '--out', out], {
      cwd: ROOT,
      env: { ...process.env, IDP_HARNESS_TMP: work, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    let errors = '';
    child.stderr.on('data', (d) => (errors += d));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        text += d;
        if (/scenario 1\/\d/.test(text)) resolve();
      });
      child.on('close', (code) => reject(new Error(`the job ended (${code}) before its first scenario:\n${text}${errors}`)));
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await ready;
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(runDirsLeft()).toEqual([]);
    // tsx's compile cache (tsx-<uid>) is the loader's, made once and reused by every run; nothing else may stay.
    expect(readdirSync(tmp).filter((n) => !/^tsx-\d+$/.test(n))).toEqual([]);
    const partial = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
    expect(partial.interrupted).toBe(true);
    expect(partial.cells[0]!.results.length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('Interrupted (Ctrl-C)');
  });
});

describe('help', () => {
  it('answers --help for every command from the table the parser uses, and README names every option', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const spec of COMMANDS) {
      const r = await cli([...spec.name.split(' '), '--help']);
      expect(r.code, spec.name).toBe(0);
      expect(r.stdout, spec.name).toContain(`idp-harness ${spec.name}`);
      for (const option of Object.keys(spec.options)) {
        expect(r.stdout, `${spec.name} --help`).toContain(`--${option}`);
        expect(readme, `README on ${spec.name} --${option}`).toContain(`--${option}`);
      }
    }
    const version = await cli(['--version']);
    expect(version.stdout.trim()).toBe(`idp-harness ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`);
  });
});

describe('bad input', () => {
  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['run', '--shard', '5/4'], /--shard: bad shard "5\/4": write <index>\/<count>/],
    [['run', '--backend', 'podman'], /--backend "podman": use one of auto, embedded, docker/],
    [['run', '--backend', 'embedded', '--immich', 'v9.9.9'], /v9\.9\.9/],
    [['run', '--colour'], /Unknown option '--colour'/],
    [['serve', 'photos', '--version', 'v0.1.0'], /v0\.1\.0.*v1\.113\.0/s],
    [['run', '--backend', 'embedded', '--scenraio', 'auto-register'], /Unknown option '--scenraio'; did you mean --scenario\?/],
    [['run', '--backend', 'embedded', '--baseline', '/nonexistent/results.json'], /\/nonexistent\/results\.json: no such file/],
    [['run', '--backend', 'embedded', '--out', '/proc/idp-harness-cannot-write'], /--out \/proc\/idp-harness-cannot-write: cannot write there/],
    [['run', '--backend', 'embedded', '--expectations', '/nonexistent/expectations.yaml'], /expectations\.yaml:1:1: cannot read the file \(ENOENT\)/],
    [['report', 'diff', '/nonexistent/a.json', '/nonexistent/b.json'], /a\.json: no such file/],
    [['report', 'merge', '/nonexistent/shard-1'], /shard-1.*no such file/],
  ])('answers %j with one clear error and exit 2, before anything starts', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(runDirsLeft()).toEqual([]);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('idp-harness:'))).toHaveLength(1);
  });

  it.each([
    ['an unknown scenario', (y: string) => y.replace('  email-required:\n', '  email-requird:\n'), /unknown scenario "email-requird".*did you mean "email-required"/],
    ['an unknown case', (y: string) => y.replace('    omitted:\n', '    omited:\n'), /unknown case "omited" of scenario email-required.*did you mean "omitted"/],
    ['an unknown field', (y: string) => y.replace('- expect: { status: 400, message: OAuth profile', '- expect: { staus: 400, message: OAuth profile'), /unknown key "staus".*did you mean "status"/],
    ['a case with no rule for a selected cell', (y: string) => y.replace(/    omitted:\n      - expect/, '    omitted:\n      - when: { immich: "<1.0.0" }\n        expect'), /no rule of email-required\/omitted matches/],
  ])('refuses expectations with %s: exit 2 with file:line:col and the fix', async (_what, alter, message) => {
    const file = join(work, `expectations-${_what.replace(/\W+/g, '-')}.yaml`);
    const original = readFileSync(join(ROOT, 'fixtures/expectations.yaml'), 'utf8');
    const altered = alter(original);
    expect(altered).not.toBe(original);
    writeFileSync(file, altered);
    const r = await cli(['run', '--backend', 'embedded', '--cell', CELL, '--expectations', file, '--out', join(work, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expectations-[\w-]+\.yaml:\d+:\d+: /);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(work, 'never', 'results.json'))).toBe(false);
  });

  it('refuses a second run into an --out directory another run is writing', async () => {
    const out = join(work, 'busy');
    const first = spawn(process.execPath, ['bin/idp-harness.mjs', 'run', '--backend', 'embedded', '--cell', CELL, '--scenario', 'email-required', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, IDP_HARNESS_TMP: work },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const firstDone = new Promise<number | null>((resolve) => first.on('close', resolve));
    await new Promise<void>((resolve) => first.stdout.on('data', () => resolve()));
    const second = await cli(['run', '--backend', 'embedded', '--cell', CELL, '--out', out]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/another run \(pid \d+\) is writing its reports there/);
    expect(await firstDone).toBe(0);
  });

  it('does not call a run that judged nothing green', async () => {
    // Every case of the selected scenario skipped: the run ends with no verdict at all.
    const file = join(work, 'expectations-all-skipped.yaml');
    const original = readFileSync(join(ROOT, 'fixtures/expectations.yaml'), 'utf8');
    writeFileSync(
      file,
      original
        .replace('    omitted:\n      - expect: { status: 400, message: OAuth profile does not have an email address }', '    omitted:\n      - skip: switched off for this test')
        .replace('    empty:\n      - expect: { status: 400, message: OAuth profile does not have an email address }', '    empty:\n      - skip: switched off for this test'),
    );
    const r = await cli(['run', '--backend', 'embedded', '--cell', CELL, '--scenario', 'email-required', '--expectations', file, '--out', join(work, 'nothing')]);
    expect(r.stdout).toMatch(/\(0 cases judged, 1 cells, embedded backend\)/);
    expect(r.stdout).toMatch(/nothing was judged/);
    expect(r.code).toBe(1);
  });

  it('calls a planned scenario that never reported a harness fault, not a quiet gap in a green cell', async () => {
    // A matrix and expectations with a scenario no file implements: the cell plans it, nothing runs it.
    const matrix = join(work, 'matrix-ghost.yaml');
    const expectations = join(work, 'expectations-ghost.yaml');
    const m = readFileSync(join(ROOT, 'fixtures/matrix.yaml'), 'utf8');
    writeFileSync(matrix, m.replace('  email-required: { cases: [omitted, empty] }', '  email-required: { cases: [omitted, empty] }\n  ghost: { cases: [boo] }'));
    const e = readFileSync(join(ROOT, 'fixtures/expectations.yaml'), 'utf8');
    writeFileSync(expectations, e.replace('  email-required:\n', '  ghost:\n    boo:\n      - expect: { status: 201 }\n\n  email-required:\n'));
    const r = await cli(['run', '--backend', 'embedded', '--matrix', matrix, '--expectations', expectations, '--cell', CELL, '--scenario', 'email-required,ghost', '--out', join(work, 'ghost')]);
    expect(r.stdout).toMatch(/1 passed, 0 failed, 1 harness faults, 0 not run/);
    expect(r.stdout).toMatch(/harness fault: .* ghost: .*never reported for this cell/);
    expect(r.code).toBe(3);
  });

  it('names the file, the line and the fix for a broken matrix file', async () => {
    const matrix = join(work, 'matrix.yaml');
    writeFileSync(matrix, readFileSync(join(ROOT, 'fixtures/matrix.yaml'), 'utf8').replace('    versions: [4.38', '    verisons: [4.38'));
    const r = await cli(['matrix', '--matrix', matrix]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/matrix\.yaml:\d+:\d+: .*verisons.*did you mean "versions"/);
  });
});
