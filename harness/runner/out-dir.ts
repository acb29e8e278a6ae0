// The reports directory of a run: it must be writable, and only one run writes into it at a time (two runs
// into one directory would mix their results). A lock file names the owning process; a stale one is taken over.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../cli/args.js';

const LOCK = '.idp-harness.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * mkdir -p one level at a time: Node's recursive mkdir never returns under some pseudo file systems (/proc),
 * where a plain mkdir fails at once.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) mkdirSync(d);
}

/** Creates and locks `dir`; returns the function that releases it. Throws InputError (exit 2) when it cannot. */
export function claimOutDir(dir: string): () => void {
  try {
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new InputError(`--out ${dir}: cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable directory`);
  }
  const lock = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(lock, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new InputError(`--out ${dir}: cannot create ${LOCK} (${(err as Error).message}); choose a writable directory`);
      }
      const owner = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new InputError(`--out ${dir}: another run (pid ${owner}) is writing its reports there; wait for it or choose another --out`);
      }
      rmSync(lock, { force: true }); // left by a run that died: take it over
    }
  }
  throw new InputError(`--out ${dir}: could not take ${LOCK}; remove it if no run is using the directory`);
}
