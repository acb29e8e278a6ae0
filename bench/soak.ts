// Soak (a script, not a test): the whole embedded main job N times (default 10) on this machine, while
//   - when Docker answers, a side loop creates and removes a Docker network every 2 s (Chromium aborts loads
//     when a host interface appears or goes: the harness must survive it), and
//   - during every second run, a CPU hog keeps one core busy.
// Prints per run: cases judged as expected / not, harness faults by cause, retried logins, wall time; and at the
// end what was left behind: processes, listeners, containers, networks, temp dirs. Exits 1 unless every run
// judged every case as expected with no harness fault and nothing was left.
//   npm run soak [-- --runs N] [-- --no-churn] [-- --no-hog]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dockerAvailable, engineRequest, listLabelled, sweepLabelled } from '../harness/docker/engine.js';
import type { RunReport } from '../harness/model.js';
import { makeRunDir, removeDir } from '../harness/run-dir.js';
import { ROOT } from '../harness/runner/run.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, 'no-churn': { type: 'boolean' }, 'no-hog': { type: 'boolean' } } });
const RUNS = Number(values.runs ?? 10);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`soak: --runs "${values.runs}" is not a positive whole number`);
  process.exit(2);
}
const SOAK_LABEL = { 'idp-harness.soak': String(process.pid) };

/** Temp entries the harness and its tools make (run dirs, the CLI's private TMPDIR ih-*, Chromium profiles, Playwright artifacts). */
const TEMP_PATTERN = /^(idp-harness-|ih-|playwright[-_]|\.org\.chromium\.|org\.chromium\.|vitest-)/;
const tempEntries = () => new Set(readdirSync(process.env.IDP_HARNESS_TMP ?? tmpdir()).filter((n) => TEMP_PATTERN.test(n)));
const processes = () =>
  new Set(
    spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => /chromium|idp-harness|vitest/.test(l) && !l.includes('bench/soak'))
      .map((l) => l.trim()),
  );
const listeners = () =>
  new Set(
    spawnSync('ss', ['-Hltnp'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => /node|chrom/.test(l))
      .map((l) => l.trim().split(/\s+/)[3]!),
  );

function networkChurn(): { stop(): Promise<number> } {
  let n = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const name = `idp-harness-soak-${process.pid}-${n++}`;
      await engineRequest('POST', '/networks/create', {
        body: JSON.stringify({ Name: name, Driver: 'bridge', Labels: SOAK_LABEL }),
        contentType: 'application/json',
      }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1_000));
      await engineRequest('DELETE', `/networks/${name}`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await sweepLabelled(SOAK_LABEL).catch(() => undefined);
      return n;
    },
  };
}

function runJob(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function cpuHog(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
}

interface RunFigures {
  exit: number | null;
  wallS: number;
  asExpected: number;
  notAsExpected: number;
  faults: Record<string, number>;
  retried: number;
  retryCauses: Record<string, number>;
  hog: boolean;
}

function figures(report: RunReport | undefined, exit: number | null, wallS: number, hog: boolean): RunFigures {
  const f: RunFigures = { exit, wallS, asExpected: 0, notAsExpected: 0, faults: {}, retried: 0, retryCauses: {}, hog };
  for (const r of report?.cells.flatMap((c) => c.results) ?? []) {
    for (const c of r.cases) {
      if (c.pass) f.asExpected++;
      else f.notAsExpected++;
      if (c.retries?.length) {
        f.retried++;
        for (const cause of c.retries) {
          const kind = /\(([a-z-]+)\)/.exec(cause)?.[1] ?? 'other';
          f.retryCauses[kind] = (f.retryCauses[kind] ?? 0) + 1;
        }
      }
    }
    if (r.status === 'error') {
      const kind = r.fault?.kind ?? 'harness';
      f.faults[kind] = (f.faults[kind] ?? 0) + 1;
    }
  }
  return f;
}

const kv = (o: Record<string, number>) => (Object.keys(o).length ? Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') : '0');

const before = { temp: tempEntries(), procs: processes(), listen: listeners() };
const engine = await dockerAvailable();
const churn = !values['no-churn'] && engine.ok ? networkChurn() : undefined;
console.log(
  `soak: ${RUNS} runs of the embedded main job; network churn ${churn ? 'on (a Docker network created and removed every 2 s)' : `off (${values['no-churn'] ? '--no-churn' : engine.ok ? '' : engine.reason})`}; ` +
    `CPU hog ${values['no-hog'] ? 'off' : 'on every second run'}`,
);
const dir = makeRunDir('idp-harness-soak-');
// Ctrl-C: the run in progress gets the signal too (same process group) and removes its own stacks; the soak
// stops the churn (removing its network) and removes its directory.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.resolve(churn?.stop()).finally(() => {
      removeDir(dir);
      process.exit(130);
    });
  });
}
const all: RunFigures[] = [];
try {
  for (let i = 1; i <= RUNS; i++) {
    const hog = !values['no-hog'] && i % 2 === 0 ? cpuHog() : undefined;
    const out = join(dir, `run-${i}`);
    const t = performance.now();
    // Not spawnSync: the network churn runs on this process's event loop meanwhile.
    const run = await runJob(['bin/idp-harness.mjs', 'run', '--backend', 'embedded', '--out', out]);
    const wallS = (performance.now() - t) / 1000;
    hog?.kill('SIGKILL');
    let report: RunReport | undefined;
    try {
      report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunReport;
    } catch {
      console.log(`  run ${i}: no results.json (exit ${run.status}); its last lines:\n${run.stdout.split('\n').slice(-8).join('\n')}\n${run.stderr.slice(-2000)}`);
    }
    const f = figures(report, run.status, wallS, hog !== undefined);
    all.push(f);
    console.log(
      `run ${String(i).padStart(2)}: ${f.asExpected} cases as expected, ${f.notAsExpected} not; harness faults: ${kv(f.faults)}; ` +
        `retried logins: ${f.retried}${f.retried ? ` (${kv(f.retryCauses)})` : ''}; ${f.wallS.toFixed(1)} s; exit ${f.exit}${f.hog ? '; CPU hog on' : ''}`,
    );
  }
} finally {
  const networksMade = await churn?.stop();
  removeDir(dir);
  if (networksMade !== undefined) console.log(`network churn: ${networksMade} networks created and removed`);
}

// Leftovers: what exists now that did not before the soak.
await new Promise((r) => setTimeout(r, 1_000)); // let exiting children finish (the runs themselves have ended)
const left = {
  processes: [...processes()].filter((p) => !before.procs.has(p)),
  listeners: [...listeners()].filter((l) => !before.listen.has(l)),
  tempDirs: [...tempEntries()].filter((t) => !before.temp.has(t)),
  containers: [] as string[],
  networks: [] as string[],
};
if (engine.ok) {
  // Anything carrying a run's label (whatever its value), and the soak's own networks.
  const byRun = await listLabelled({ 'idp-harness.run': '' }).catch(() => undefined);
  const soak = await listLabelled(SOAK_LABEL).catch(() => undefined);
  left.containers = [...(byRun?.containers ?? []), ...(soak?.containers ?? [])].map((id) => id.slice(0, 12));
  left.networks = [...(byRun?.networks ?? []), ...(soak?.networks ?? [])];
}
console.log(
  `leftovers: ${left.processes.length} processes, ${left.listeners.length} listeners, ${left.containers.length} containers, ` +
    `${left.networks.length} networks, ${left.tempDirs.length} temp dirs`,
);
for (const [what, list] of Object.entries(left)) for (const item of list) console.log(`  ${what}: ${item}`);

const clean = all.filter((f) => f.exit === 0 && f.notAsExpected === 0 && Object.keys(f.faults).length === 0 && f.asExpected > 0).length;
const leftovers = Object.values(left).reduce((n, l) => n + l.length, 0);
const walls = all.map((f) => f.wallS).sort((a, b) => a - b);
console.log(
  `soak: ${clean} of ${RUNS} runs judged every case as expected with no harness fault; ` +
    `${all.reduce((n, f) => n + f.retried, 0)} retried logins; wall median ${walls[Math.floor(walls.length / 2)]!.toFixed(1)} s, max ${walls.at(-1)!.toFixed(1)} s; leftovers ${leftovers}`,
);
process.exit(clean === RUNS && leftovers === 0 ? 0 : 1);
