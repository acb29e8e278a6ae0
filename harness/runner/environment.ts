// Brings a run's environment up: run directory, CA, one browser for every scenario, and a stack per cell.
// Used by the CLI (`idp-harness run`) and by vitest's global setup (plain `vitest run scenarios/...`).
import { availableParallelism, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { createCa, type Ca } from '../ca/ca.js';
import { launchBrowserServer } from '../browser/launch.js';
import type { Backend, Cell } from '../model.js';
import { Cleanup, makeRunDir, removeDir } from '../run-dir.js';
import { startEmbeddedStack, embeddedProvenance } from '../stack/embedded.js';
import type { Stack, StackInfo } from '../stack/types.js';

export interface CellPlan {
  cell: Cell;
  scenarios: string[];
}

export interface Environment {
  runDir: string;
  ca: Ca;
  /** The run's browser, which scenario workers connect to; this process owns it and closes it. Empty with `browser: false`. */
  browserWsEndpoint: string;
  stacks: Stack[];
  infos: StackInfo[];
  cleanup: Cleanup;
}

export interface EnvironmentEvents {
  cellStarting?(cellId: string): void;
  cellReady?(cellId: string, ms: number): void;
  cellNotRun?(cellId: string, reason: string): void;
}

export type StackStarter = (cell: Cell, ca: Ca, scenarios: string[], runDir: string) => Promise<Stack>;

/** How a cell that could not start is described: by the implementation it would have run. */
async function provenanceOf(backend: Backend, cell: Cell) {
  return backend === 'docker' ? (await import('../stack/docker.js')).dockerProvenance(cell) : embeddedProvenance(cell);
}

const starters: Record<Backend, () => Promise<StackStarter>> = {
  embedded: async () => (cell, ca, scenarios) => startEmbeddedStack(cell, ca, scenarios),
  docker: async () => (await import('../stack/docker.js')).startDockerStack,
};

export async function bringUp(
  backend: Backend,
  plans: CellPlan[],
  opts: { cleanup?: Cleanup; events?: EnvironmentEvents; concurrency?: number; browser?: boolean } = {},
): Promise<Environment> {
  const cleanup = opts.cleanup ?? new Cleanup();
  const runDir = makeRunDir();
  // Also at exit: vitest ends the process shortly after a Ctrl-C, which can cut an async cleanup short
  // (containers then go by the docker backend's exit-time sweep, in-process servers with the process).
  const removeAtExit = () => removeDir(runDir);
  process.once('exit', removeAtExit);
  cleanup.add('run directory', () => {
    process.off('exit', removeAtExit);
    removeDir(runDir);
  });
  const ca = createCa(join(runDir, 'ca'));
  // The browser belongs to this process, not to a scenario worker: a worker holding a browser open does not
  // exit when vitest ends, and would outlive the run with its Chromium.
  const browser =
    opts.browser === false ? undefined : await launchBrowserServer({ spkiHashes: ca.spkiHashes() });
  if (browser) cleanup.add('browser', () => browser.close());

  if (backend === 'docker') {
    // Whatever a stack leaves behind (an interrupted start included) carries the run's label.
    const { sweepRun } = await import('../docker/engine.js');
    cleanup.add('docker sweep', async () => {
      await sweepRun(basename(runDir));
    });
  }
  const start = await starters[backend]();
  const stacks: Stack[] = [];
  const infos: StackInfo[] = new Array(plans.length);
  const concurrency = opts.concurrency ?? stackStarts(backend, plans);
  let next = 0;
  const worker = async () => {
    while (next < plans.length) {
      const i = next++;
      const { cell, scenarios } = plans[i]!;
      opts.events?.cellStarting?.(cell.id);
      try {
        const stack = await start(cell, ca, scenarios, runDir);
        stacks.push(stack);
        cleanup.add(`stack ${cell.id}`, () => stack.stop());
        infos[i] = stack.info;
        opts.events?.cellReady?.(cell.id, stack.info.readyMs ?? 0);
      } catch (err) {
        const reason = (err as Error).message;
        opts.events?.cellNotRun?.(cell.id, reason);
        const kind = (err as Error).name === 'ImageUnavailable' ? 'image-unavailable' : 'start-failed';
        infos[i] = { ...notRunInfo(cell, scenarios, ca, reason, await provenanceOf(backend, cell)), notRunKind: kind };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plans.length) }, worker));
  return { runDir, ca, browserWsEndpoint: browser?.wsEndpoint() ?? '', stacks, infos, cleanup };
}

/**
 * How many stacks start at once. The models start in a fraction of a second each; real products are bound by
 * the machine: a start keeps about one core busy (Immich's migrations, Authelia's and authentik's boot) and a
 * stack holds about 2 GiB. IDP_HARNESS_STACK_STARTS overrides it.
 */
export function stackStarts(backend: Backend, plans: CellPlan[]): number {
  const given = process.env.IDP_HARNESS_STACK_STARTS;
  if (given) {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 1) throw new Error(`IDP_HARNESS_STACK_STARTS="${given}" is not a positive whole number: set it to e.g. 2`);
    return n;
  }
  if (backend === 'embedded') return 8;
  if (plans.every((p) => p.cell.images === 'local')) return 4;
  return Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / 2 ** 31)));
}

function notRunInfo(cell: Cell, scenarios: string[], ca: Ca, reason: string, provenance: StackInfo['provenance']): StackInfo {
  return {
    cell,
    provenance,
    notRun: reason,
    scenarios,
    caPem: ca.certPem,
    photos: { url: '', version: cell.immich, admin: { email: '', password: '', token: '' } },
    idp: { origin: '', driver: 'embedded', version: cell.idp.version, control: { kind: 'http', url: '', token: '' } },
  };
}
