// A run's private directory (CA keys, rendered configs, logs) and the cleanup that removes everything a run
// started, on success, failure and Ctrl-C alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Disposer = () => Promise<void> | void;

export class Cleanup {
  private disposers: { name: string; fn: Disposer }[] = [];
  private done = false;

  /** Registers `fn`; disposers run in reverse order of registration. Returns a function that unregisters it. */
  add(name: string, fn: Disposer): () => void {
    const entry = { name, fn };
    this.disposers.push(entry);
    return () => {
      this.disposers = this.disposers.filter((d) => d !== entry);
    };
  }

  async run(): Promise<void> {
    if (this.done) return;
    this.done = true;
    const errors: string[] = [];
    for (const { name, fn } of this.disposers.reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(`${name}: ${(err as Error).message}`);
      }
    }
    this.disposers = [];
    if (errors.length) process.stderr.write(`idp-harness: cleanup problems:\n  ${errors.join('\n  ')}\n`);
  }
}

export function makeRunDir(prefix = 'idp-harness-run-'): string {
  return mkdtempSync(join(process.env.IDP_HARNESS_TMP ?? tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Runs `cleanup` once on SIGINT/SIGTERM/SIGHUP, then exits with the conventional status (130 for Ctrl-C).
 * Returns a function that removes the handlers again.
 */
export function cleanupOnSignals(cleanup: Cleanup, onSignal?: (signal: NodeJS.Signals) => void): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      onSignal?.(signal);
      const code = signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129;
      // A second Ctrl-C while cleaning up is ignored so the cleanup can finish.
      cleanup.run().finally(() => process.exit(code));
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return () => handlers.forEach((h, s) => process.off(s, h));
}
