// How fast the harness expects things to happen, and how many browser logins run at once. Both follow the
// machine: a login waits for a slot (not counted against its deadlines), and every deadline is a default
// scaled by one knob, so a slow or busy machine gets more time instead of wrong verdicts.
import { availableParallelism } from 'node:os';

/** `--timeout-scale` / IDP_HARNESS_TIMEOUT_SCALE: multiplies every step deadline (default 1). */
export function timeoutScale(): number {
  const text = process.env.IDP_HARNESS_TIMEOUT_SCALE;
  if (text === undefined || text === '') return 1;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`IDP_HARNESS_TIMEOUT_SCALE="${text}" is not a positive number: set it to e.g. 2 (twice the default deadlines)`);
  }
  return value;
}

/**
 * The deadline of one browser step. 30 s is ten times the slowest step seen on a loaded 2-core machine with
 * logins bounded by `loginSlots()`; real products' pages can take longer, hence the scale.
 */
export function stepDeadlineMs(): number {
  return Math.round(30_000 * timeoutScale());
}

/**
 * `--logins N` / IDP_HARNESS_LOGINS: browser logins in flight at once. By default one per core but one: a login
 * keeps Chromium's browser and renderer processes and the servers busy at once, so it is CPU-bound, and a
 * core is left to them (measured on 2 cores, whole embedded run: 1 login at a time 122 s, 2 at a time 131 s,
 * 4 151 s, 8 160 s).
 */
export function loginSlots(): number {
  const text = process.env.IDP_HARNESS_LOGINS;
  if (text !== undefined && text !== '') {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`IDP_HARNESS_LOGINS="${text}" is not a positive whole number: set it to e.g. 2`);
    }
    return value;
  }
  return Math.max(1, availableParallelism() - 1);
}

/** A counting semaphore: `run(fn)` waits for a free slot, then runs fn. */
export class Slots {
  private free: number;
  private waiting: (() => void)[] = [];
  constructor(readonly size: number) {
    this.free = size;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

let shared: Slots | undefined;
/** The browser-login slots of this process (one scenario worker runs every cell's logins). */
export function sharedLoginSlots(): Slots {
  shared ??= new Slots(loginSlots());
  return shared;
}
